//! Outputs made from stored data: exports of recommendation sets ([`export`]), and the
//! reports people send and read — the mid-term report (government or stakeholder voice),
//! the follow-up chapter of the next national report and the HRC follow-up brief.
//!
//! A report is first assembled from the store into a [`Document`] ([`build`]), where its
//! figures are computed once; then one renderer per format writes it ([`render`]).

pub mod build;
pub mod document;
pub mod export;
pub mod i18n;
pub mod plan;
pub mod render;

pub use build::dashboard::DashboardRequest;
pub use build::{assemble, ReportKind, ReportRequest, Voice};
pub use document::Document;
pub use i18n::Lang;
pub use render::{render, Format, RenderOptions};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] rightstrack_store::StoreError),
    #[error("{0}")]
    Invalid(String),
    #[error("writing the {format} file failed: {message}")]
    Render {
        format: &'static str,
        message: String,
    },
}

impl ReportError {
    pub(crate) fn render(format: &'static str, e: impl std::fmt::Display) -> Self {
        Self::Render {
            format,
            message: e.to_string(),
        }
    }
}
