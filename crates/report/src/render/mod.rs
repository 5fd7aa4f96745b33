//! One writer per format, each taking the same [`Document`].

mod csv;
mod docx;
mod html;
mod pdf;
pub mod svg;
mod xlsx;

use crate::document::Document;
use crate::ReportError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Pdf,
    Docx,
    Xlsx,
    Csv,
}

impl Format {
    pub const ALL: [Format; 5] = [Self::Html, Self::Pdf, Self::Docx, Self::Xlsx, Self::Csv];

    pub fn code(self) -> &'static str {
        match self {
            Self::Html => "html",
            Self::Pdf => "pdf",
            Self::Docx => "docx",
            Self::Xlsx => "xlsx",
            Self::Csv => "csv",
        }
    }

    pub fn parse(value: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|f| f.code() == value.trim().to_lowercase())
            .ok_or_else(|| {
                format!("unknown report format {value:?}: use html, pdf, docx, xlsx or csv")
            })
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Self::Html => "text/html; charset=utf-8",
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Start CSV with a byte order mark, for spreadsheets that otherwise guess the encoding.
    pub bom: bool,
}

pub fn render(
    doc: &Document,
    format: Format,
    options: RenderOptions,
) -> Result<Vec<u8>, ReportError> {
    match format {
        Format::Html => html::render(doc),
        Format::Pdf => pdf::render(doc),
        Format::Docx => docx::render(doc),
        Format::Xlsx => xlsx::render(doc),
        Format::Csv => csv::render(doc, options.bom),
    }
}
