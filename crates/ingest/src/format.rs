//! The formats `rightstrack import` understands, and how a file's format is recognised.

use std::fmt;

use crate::IngestError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// The UPR Info database export (CSV).
    UprInfoCsv,
}

impl Format {
    pub const ALL: &'static [Format] = &[Format::UprInfoCsv];

    pub fn code(self) -> &'static str {
        match self {
            Self::UprInfoCsv => "upr-info-csv",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Self::UprInfoCsv => "UPR Info database export (CSV with To, Text, From, Response, Action, Issue, Session)",
        }
    }

    pub fn parse(value: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .copied()
            .find(|f| f.code() == value)
            .ok_or_else(|| {
                format!(
                    "unknown format {value:?}; the formats are: {}",
                    Self::list()
                )
            })
    }

    /// "upr-info-csv (…), …" for messages.
    pub fn list() -> String {
        Self::ALL
            .iter()
            .map(|f| format!("{} ({})", f.code(), f.description()))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What a file looks like from its first bytes, for messages and detection.
fn looks_like(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"%PDF") {
        "a PDF document"
    } else if bytes.starts_with(b"PK\x03\x04") {
        "a ZIP container (DOCX or XLSX)"
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        "an old Microsoft Office document (DOC or XLS)"
    } else if bytes.is_empty() {
        "an empty file"
    } else if bytes.iter().take(4096).any(|&b| b == 0) {
        "a binary file"
    } else {
        "a text file"
    }
}

/// Recognises the format of a file from its content (not its name).
pub fn detect(file: &str, bytes: &[u8]) -> Result<Format, IngestError> {
    if crate::upr_info::looks_like_upr_info(bytes) {
        return Ok(Format::UprInfoCsv);
    }
    Err(IngestError::refused(
        file,
        format!(
            "this looks like {} of no format rightstrack imports. The formats are: {}. Give --format to force one",
            looks_like(bytes),
            Format::list()
        ),
    ))
}
