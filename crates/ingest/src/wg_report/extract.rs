//! The text of a UN document published as PDF or DOCX, page by page.
//!
//! PDF text comes from poppler's `pdftotext -layout`, run as a subprocess on a temporary
//! file with a time limit (see docs/pdf-extraction.md for why it and not a Rust crate).
//! `-layout` keeps each printed line as one line, with its indentation, which is what
//! the header, footer and footnote rules in `layout.rs` rely on.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::docx;

/// How long `pdftotext` may take on one file; real reports need well under a second.
pub const PDFTOTEXT_TIMEOUT: Duration = Duration::from_secs(30);

pub const PDFTOTEXT_MISSING: &str =
    "pdftotext not found: install poppler-utils (apt-get install poppler-utils)";

/// A document's text: pages of lines (a DOCX is one page, a line per paragraph).
#[derive(Debug, Clone, Default)]
pub struct Text {
    pub pages: Vec<Vec<String>>,
    pub from_pdf: bool,
}

impl Text {
    pub fn all(&self) -> String {
        let mut out = String::new();
        for page in &self.pages {
            for line in page {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }
}

pub fn is_pdf(bytes: &[u8]) -> bool {
    // The header may follow a little junk; readers accept it within the first kilobyte.
    let head = &bytes[..bytes.len().min(1024)];
    head.windows(5).any(|w| w == b"%PDF-")
}

pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Extracts the text of a PDF or DOCX. The error is the reason to refuse the file.
pub fn extract(bytes: &[u8]) -> Result<Text, String> {
    extract_pages(bytes, None)
}

/// The text of the first `pages` pages only (all of a DOCX): enough to recognise a document.
pub fn extract_first_pages(bytes: &[u8], pages: u32) -> Result<Text, String> {
    extract_pages(bytes, Some(pages))
}

fn extract_pages(bytes: &[u8], last_page: Option<u32>) -> Result<Text, String> {
    if is_pdf(bytes) {
        pdf_text(bytes, last_page)
    } else if is_zip(bytes) {
        let blocks = docx::read(bytes)?;
        Ok(Text {
            pages: vec![docx_lines(&blocks)],
            from_pdf: false,
        })
    } else {
        Err("the file is neither a PDF nor a DOCX document".to_string())
    }
}

/// One line per paragraph; a paragraph Word numbers by itself gets a bullet so that the
/// paragraph splitter still sees where an item starts.
fn docx_lines(blocks: &[docx::Block]) -> Vec<String> {
    let mut out = Vec::new();
    for block in blocks {
        match block {
            docx::Block::Paragraph(p) => {
                for (i, line) in p.text.split('\n').enumerate() {
                    let starts_with_number =
                        line.trim_start().starts_with(|c: char| c.is_ascii_digit());
                    if i == 0 && p.numbered && !starts_with_number {
                        out.push(format!("\u{2022} {line}"));
                    } else {
                        out.push(line.to_string());
                    }
                }
            }
            docx::Block::Table(_) => out.extend(docx::lines(std::slice::from_ref(block))),
        }
    }
    out
}

fn pdf_text(bytes: &[u8], last_page: Option<u32>) -> Result<Text, String> {
    if looks_encrypted(bytes) {
        // pdftotext reads PDFs encrypted with an empty user password; try it first.
        return run_pdftotext(bytes, last_page).map_err(|e| {
            if e.contains("not found") {
                e
            } else {
                format!("the PDF is encrypted and cannot be read without its password ({e})")
            }
        });
    }
    run_pdftotext(bytes, last_page)
}

fn looks_encrypted(bytes: &[u8]) -> bool {
    bytes.windows(8).any(|w| w == b"/Encrypt")
}

fn run_pdftotext(bytes: &[u8], last_page: Option<u32>) -> Result<Text, String> {
    let mut file = tempfile::Builder::new()
        .prefix("rightstrack-")
        .suffix(".pdf")
        .tempfile()
        .map_err(|e| format!("cannot write a temporary file for pdftotext: {e}"))?;
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .map_err(|e| format!("cannot write a temporary file for pdftotext: {e}"))?;
    let mut command = Command::new("pdftotext");
    command.args(["-layout", "-enc", "UTF-8"]);
    if let Some(last) = last_page {
        command.arg("-l").arg(last.to_string());
    }
    let mut child = command
        .arg(file.path())
        .arg("-")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => PDFTOTEXT_MISSING.to_string(),
            _ => format!("cannot run pdftotext: {e}"),
        })?;
    // Read the pipes on threads so a large output cannot fill them and stall the child.
    let stdout = child.stdout.take().map(|mut s| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = s.read_to_end(&mut buf);
            buf
        })
    });
    let stderr = child.stderr.take().map(|mut s| {
        std::thread::spawn(move || {
            let mut buf = String::new();
            let _ = s.read_to_string(&mut buf);
            buf
        })
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > PDFTOTEXT_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "pdftotext took more than {} s on this PDF; it is damaged or not an ordinary document",
                    PDFTOTEXT_TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(format!("cannot wait for pdftotext: {e}")),
        }
    };
    let out = stdout.and_then(|h| h.join().ok()).unwrap_or_default();
    let err = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
    // Poppler complains about its own missing configuration on some systems: not about the file.
    let mut complaints = err
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.contains("default config"));
    let reason = complaints.next().unwrap_or("no message");
    if !status.success() {
        return Err(match status.code() {
            Some(3) => "the PDF's permissions forbid copying its text".to_string(),
            _ if reason.contains("password") => {
                "the PDF is encrypted and cannot be read without its password".to_string()
            }
            _ => format!("the PDF is damaged and its text cannot be read (pdftotext: {reason})"),
        });
    }
    let text = String::from_utf8_lossy(&out);
    let pages: Vec<Vec<String>> = text
        .split('\u{c}')
        .map(|page| page.lines().map(str::to_string).collect())
        .collect();
    let letters = pages
        .iter()
        .flatten()
        .flat_map(|l| l.chars())
        .filter(|c| c.is_alphabetic())
        .count();
    if letters < 20 && reason.contains("Error") {
        return Err(format!(
            "the PDF is damaged and its text cannot be read (pdftotext: {reason})"
        ));
    }
    if letters < 20 {
        return Err(
            "the PDF has no text layer (a scanned document?); OCR is not supported: import a PDF with text or a DOCX"
                .to_string(),
        );
    }
    Ok(Text {
        pages,
        from_pdf: true,
    })
}
