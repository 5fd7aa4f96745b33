//! Evidence attached to progress reports: checked before it is stored, so that what is
//! later served is bounded in size, has a harmless file name and a content type that
//! matches its bytes (a file declared as a PDF that is really HTML is not served as HTML).

use serde::{Deserialize, Serialize};

/// The largest attachment accepted: 10 MiB covers scanned decrees and reports.
pub const MAX_EVIDENCE_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    #[error("the attachment {name:?} is {size} bytes; at most {max} are accepted")]
    TooLarge {
        name: String,
        size: usize,
        max: usize,
    },
    #[error("the attachment {0:?} is empty")]
    Empty(String),
}

/// An attachment that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckedEvidence {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Checks an upload: size, name, type.
pub fn check(
    file_name: &str,
    declared_type: Option<&str>,
    bytes: Vec<u8>,
) -> Result<CheckedEvidence, EvidenceError> {
    if bytes.is_empty() {
        return Err(EvidenceError::Empty(file_name.to_string()));
    }
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(EvidenceError::TooLarge {
            name: file_name.to_string(),
            size: bytes.len(),
            max: MAX_EVIDENCE_BYTES,
        });
    }
    Ok(CheckedEvidence {
        file_name: sanitise_file_name(file_name),
        content_type: content_type(&bytes, declared_type).to_string(),
        bytes,
    })
}

/// The last path component, with only letters, digits, `.`, `-`, `_` and spaces kept, no
/// leading dots, at most 100 characters; `evidence` when nothing is left.
pub fn sanitise_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let kept: String = base
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed: String = kept
        .trim()
        .trim_start_matches('.')
        .chars()
        .take(100)
        .collect();
    if trimmed.trim_matches(['_', '.', ' ']).is_empty() {
        "evidence".to_string()
    } else {
        trimmed
    }
}

const OOXML: &[&str] = &[
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
];

/// The type the bytes show. A declared type is kept only where the bytes cannot tell it
/// apart (office documents are ZIP files); anything unrecognised is an opaque download.
pub fn content_type(bytes: &[u8], declared: Option<&str>) -> &'static str {
    let declared = declared.map(|d| d.split(';').next().unwrap_or(d).trim().to_lowercase());
    if bytes.starts_with(b"%PDF-") {
        "application/pdf"
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        "image/gif"
    } else if bytes.starts_with(b"PK\x03\x04") {
        OOXML
            .iter()
            .find(|t| declared.as_deref() == Some(**t))
            .copied()
            .unwrap_or("application/zip")
    } else if looks_like_text(bytes) && !looks_like_markup(bytes) {
        if declared.as_deref() == Some("text/csv") {
            "text/csv"
        } else {
            "text/plain"
        }
    } else {
        "application/octet-stream"
    }
}

fn looks_like_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0)
}

/// HTML or SVG could run script in a browser: such files are served as opaque downloads.
fn looks_like_markup(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_lowercase();
    head.trim_start().starts_with('<')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_and_odd_characters() {
        assert_eq!(sanitise_file_name("../../etc/passwd"), "passwd");
        assert_eq!(
            sanitise_file_name("C:\\Users\\a\\Odlok št. 5.pdf"),
            "Odlok št. 5.pdf"
        );
        assert_eq!(sanitise_file_name(".htaccess"), "htaccess");
        assert_eq!(sanitise_file_name("a<script>.pdf"), "a_script_.pdf");
        assert_eq!(sanitise_file_name("///"), "evidence");
        assert_eq!(sanitise_file_name(&"x".repeat(300)).len(), 100);
    }

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(
            content_type(b"%PDF-1.7 ...", Some("text/html")),
            "application/pdf"
        );
        assert_eq!(
            content_type(b"<html><script>", Some("application/pdf")),
            "application/octet-stream"
        );
        assert_eq!(content_type(b"plain words", None), "text/plain");
        assert_eq!(
            content_type(b"PK\x03\x04rest", Some(OOXML[0])),
            OOXML[0],
            "a DOCX is a ZIP: the declared type decides"
        );
        assert_eq!(
            content_type(b"PK\x03\x04rest", Some("text/html")),
            "application/zip"
        );
        assert_eq!(
            content_type(&[0, 1, 2], Some("image/png")),
            "application/octet-stream"
        );
    }

    #[test]
    fn size_is_limited() {
        assert!(matches!(
            check("a.pdf", None, vec![]),
            Err(EvidenceError::Empty(_))
        ));
        assert!(matches!(
            check("a.bin", None, vec![1; MAX_EVIDENCE_BYTES + 1]),
            Err(EvidenceError::TooLarge { .. })
        ));
        let ok = check("../a.pdf", None, b"%PDF-1.4".to_vec());
        assert_eq!(ok.map(|e| e.file_name), Ok("a.pdf".to_string()));
    }
}
