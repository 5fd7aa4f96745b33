//! The formats `rightstrack import` understands, and how a file's format is recognised.

use std::fmt;

use crate::IngestError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// The UPR Info database export (CSV).
    UprInfoCsv,
    /// OHCHR's thematic list of recommendations (DOCX).
    ThematicList,
    /// The Universal Human Rights Index export (XLSX or CSV).
    Uhri,
    /// An IMPACT OSS recommendation import file (CSV).
    ImpactOssCsv,
    /// The Report of the UPR Working Group (PDF or DOCX).
    WgReport,
    /// Its addendum with the state's views on the recommendations (PDF or DOCX).
    WgAddendum,
}

impl Format {
    pub const ALL: &'static [Format] = &[
        Format::UprInfoCsv,
        Format::ThematicList,
        Format::Uhri,
        Format::ImpactOssCsv,
        Format::WgReport,
        Format::WgAddendum,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::UprInfoCsv => "upr-info-csv",
            Self::ThematicList => "thematic-list",
            Self::Uhri => "uhri",
            Self::ImpactOssCsv => "impact-oss-csv",
            Self::WgReport => "wg-report",
            Self::WgAddendum => "wg-addendum",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Self::UprInfoCsv => "UPR Info database export (CSV with To, Text, From, Response, Action, Issue, Session)",
            Self::ThematicList => "OHCHR thematic list of recommendations (DOCX table: recommendation, position, UHRI themes, affected persons, SDGs)",
            Self::Uhri => "Universal Human Rights Index export (XLSX or CSV with Text, Countries Concerned, Reccomending Body, …, OHCHR Annotation Id)",
            Self::ImpactOssCsv => "IMPACT OSS recommendation import (CSV with reference, title, description, response, support_level, categories); needs --state",
            Self::WgReport => "Report of the UPR Working Group (PDF or DOCX): the recommendations of its \"Conclusions and/or recommendations\" section",
            Self::WgAddendum => "Addendum to a UPR Working Group report (PDF or DOCX): the state's views (positions) on the recommendations",
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
    /// "upr-info-csv, thematic-list, …" for messages; `rightstrack import --help` describes them.
    pub fn list() -> String {
        Self::ALL
            .iter()
            .map(|f| f.code())
            .collect::<Vec<_>>()
            .join(", ")
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
    // Before the Working Group report: a thematic list is a more specific DOCX.
    if crate::thematic_list::looks_like_thematic_list(bytes) {
        return Ok(Format::ThematicList);
    }
    if crate::uhri::looks_like_uhri(bytes) {
        return Ok(Format::Uhri);
    }
    if crate::impact_oss::looks_like_impact_oss(bytes) {
        return Ok(Format::ImpactOssCsv);
    }
    if crate::wg_report::looks_like(bytes) {
        return Ok(Format::WgReport);
    }
    if crate::wg_report::addendum::looks_like(bytes) {
        return Ok(Format::WgAddendum);
    }
    // A PDF whose text could not be read says why (pdftotext missing, a scan, encrypted):
    // that, not "no format", is what the person must act on.
    if crate::wg_report::extract::is_pdf(bytes) {
        if let Err(reason) = crate::wg_report::extract::extract_first_pages(bytes, 2) {
            return Err(IngestError::refused(file, reason));
        }
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
