//! Sending mail over SMTP with the settings from the environment.

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::JobError;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// Plain text: only for a relay on the same host or network (and tests).
    None,
    /// Upgrade with STARTTLS (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Wrapper,
}

/// `RIGHTSTRACK_SMTP_HOST`, `_PORT`, `_FROM`, `_USERNAME`, `_PASSWORD`, `_TLS`
/// (`none`, `starttls` or `tls`).
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub from: Mailbox,
    pub credentials: Option<(String, String)>,
    pub tls: Tls,
}

impl SmtpSettings {
    /// The settings the environment gives, or `None` when `RIGHTSTRACK_SMTP_HOST` is unset
    /// (reminders are then in-app only).
    pub fn from_env() -> Result<Option<Self>, JobError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// As [`Self::from_env`], from any source of variables.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, JobError> {
        let var =
            |name: &str| get(&format!("RIGHTSTRACK_SMTP_{name}")).filter(|v| !v.trim().is_empty());
        let Some(host) = var("HOST") else {
            return Ok(None);
        };
        let tls = match var("TLS").as_deref().map(str::to_lowercase).as_deref() {
            None | Some("starttls") => Tls::StartTls,
            Some("tls") => Tls::Wrapper,
            Some("none") => Tls::None,
            Some(other) => {
                return Err(JobError::Settings(format!(
                    "RIGHTSTRACK_SMTP_TLS is {other:?}: expected none, starttls or tls"
                )))
            }
        };
        let default_port = match tls {
            Tls::None => 25,
            Tls::StartTls => 587,
            Tls::Wrapper => 465,
        };
        let port = match var("PORT") {
            None => default_port,
            Some(p) => p.trim().parse().map_err(|_| {
                JobError::Settings(format!(
                    "RIGHTSTRACK_SMTP_PORT is {p:?}: expected a port number"
                ))
            })?,
        };
        let from = var("FROM").ok_or_else(|| {
            JobError::Settings(
                "RIGHTSTRACK_SMTP_FROM is required with RIGHTSTRACK_SMTP_HOST".into(),
            )
        })?;
        let from = from
            .parse()
            .map_err(|e| JobError::Settings(format!("RIGHTSTRACK_SMTP_FROM is {from:?}: {e}")))?;
        let credentials = match (var("USERNAME"), var("PASSWORD")) {
            (Some(u), Some(p)) => Some((u, p)),
            (None, None) => None,
            _ => {
                return Err(JobError::Settings(
                    "RIGHTSTRACK_SMTP_USERNAME and RIGHTSTRACK_SMTP_PASSWORD go together".into(),
                ))
            }
        };
        Ok(Some(Self {
            host,
            port,
            from,
            credentials,
            tls,
        }))
    }
}

/// A connection pool to one SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(settings: &SmtpSettings) -> Result<Self, JobError> {
        let builder = match settings.tls {
            Tls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host),
            Tls::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
                    .map_err(|e| JobError::Settings(format!("SMTP host {}: {e}", settings.host)))?
            }
            Tls::Wrapper => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host)
                .map_err(|e| JobError::Settings(format!("SMTP host {}: {e}", settings.host)))?,
        };
        let mut builder = builder
            .port(settings.port)
            .timeout(Some(std::time::Duration::from_secs(30)));
        if let Some((user, password)) = &settings.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Self {
            transport: builder.build(),
            from: settings.from.clone(),
        })
    }

    /// Sends one plain-text message; the error says why the server refused it.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| format!("recipient address {to:?}: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .body(body.to_string())
            .map_err(|e| format!("message: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Option<SmtpSettings>, JobError> {
        SmtpSettings::from_lookup(|k| {
            vars.iter()
                .find(|(name, _)| format!("RIGHTSTRACK_SMTP_{name}") == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn settings_come_from_the_environment() -> Result<(), JobError> {
        assert!(settings(&[])?.is_none(), "no host: in-app only");
        let s = settings(&[
            ("HOST", "mail.gov.si"),
            ("FROM", "Rightstrack <noreply@gov.si>"),
        ])?
        .ok_or(JobError::Settings("none".into()))?;
        assert_eq!((s.port, s.tls), (587, Tls::StartTls));
        let s = settings(&[
            ("HOST", "localhost"),
            ("FROM", "a@b.si"),
            ("TLS", "none"),
            ("PORT", "2525"),
        ])?
        .ok_or(JobError::Settings("none".into()))?;
        assert_eq!((s.port, s.tls), (2525, Tls::None));
        assert!(settings(&[("HOST", "h")]).is_err(), "from is required");
        assert!(settings(&[("HOST", "h"), ("FROM", "a@b.si"), ("TLS", "ssl3")]).is_err());
        assert!(settings(&[("HOST", "h"), ("FROM", "a@b.si"), ("PORT", "x")]).is_err());
        assert!(settings(&[("HOST", "h"), ("FROM", "a@b.si"), ("USERNAME", "u")]).is_err());
        Ok(())
    }
}
