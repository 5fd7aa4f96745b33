//! A tiny SMTP server for tests: speaks just enough of RFC 5321 for lettre to hand it a
//! message, and keeps every message it accepts.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One accepted message: its envelope recipients and its data.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub data: String,
}

#[derive(Clone, Default)]
pub struct Sink {
    pub port: u16,
    messages: Arc<Mutex<Vec<Received>>>,
    /// Recipients to refuse at RCPT (550), as a server that does not know them.
    refused: Arc<Mutex<Vec<String>>>,
}

impl Sink {
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let sink = Sink {
            port: listener.local_addr()?.port(),
            ..Default::default()
        };
        let server = sink.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let session = server.clone();
                tokio::spawn(async move {
                    let _ = session.serve(socket).await;
                });
            }
        });
        Ok(sink)
    }

    pub fn messages(&self) -> Vec<Received> {
        self.messages.lock().map(|m| m.clone()).unwrap_or_default()
    }

    pub fn refuse(&self, address: &str) {
        if let Ok(mut r) = self.refused.lock() {
            r.push(address.to_string());
        }
    }

    async fn serve(&self, socket: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 sink ESMTP ready\r\n").await?;
        let mut to = Vec::new();
        while let Some(line) = lines.next_line().await? {
            let upper = line.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                b"250-sink\r\n250 8BITMIME\r\n"
            } else if upper.starts_with("MAIL FROM") {
                to.clear();
                b"250 OK\r\n"
            } else if upper.starts_with("RCPT TO") {
                let address = line
                    .split_once('<')
                    .and_then(|(_, rest)| rest.split_once('>'))
                    .map(|(a, _)| a.to_string())
                    .unwrap_or_default();
                let refused = self
                    .refused
                    .lock()
                    .map(|r| r.contains(&address))
                    .unwrap_or(false);
                if refused {
                    b"550 no such user\r\n"
                } else {
                    to.push(address);
                    b"250 OK\r\n"
                }
            } else if upper == "DATA" {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut data = String::new();
                while let Some(l) = lines.next_line().await? {
                    if l == "." {
                        break;
                    }
                    data.push_str(&l);
                    data.push('\n');
                }
                if let Ok(mut m) = self.messages.lock() {
                    m.push(Received {
                        to: std::mem::take(&mut to),
                        data,
                    });
                }
                b"250 queued\r\n"
            } else if upper == "QUIT" {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                b"250 OK\r\n"
            };
            write.write_all(reply).await?;
        }
        Ok(())
    }
}

/// Settings for a mailer that talks to the sink.
pub fn mailer(sink: &Sink) -> Result<rightstrack_jobs::Mailer, Box<dyn std::error::Error>> {
    let settings = rightstrack_jobs::SmtpSettings {
        host: "127.0.0.1".into(),
        port: sink.port,
        from: "rightstrack <noreply@example.org>".parse()?,
        credentials: None,
        tls: rightstrack_jobs::Tls::None,
    };
    Ok(rightstrack_jobs::Mailer::new(&settings)?)
}
