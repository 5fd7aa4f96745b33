//! Importers: one module per source format. Each turns the bytes of one file into
//! [`NewRecommendation`]s, reporting every row it cannot use with the file, the place and
//! the reason, or refuses the whole file when it is not of the format at all.

mod archive;
pub mod decode;
pub mod docx;
pub mod fidelity;
pub mod format;
pub mod impact_oss;
pub mod plan;
mod sheet;
pub mod thematic_list;
pub mod uhri;
pub mod upr_info;
mod vocab;
pub mod wg_report;

use std::path::Path;

use rightstrack_core::NewRecommendation;
use serde::Serialize;

pub use format::Format;
pub use rightstrack_core::PositionUpdate;

/// Files larger than this are refused before reading: no real export or report comes near.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Something wrong with one place of a file; the rest of the file is still imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub file: String,
    /// "line 12", "page 3, paragraph 93.4", "table 1, row 7".
    pub location: String,
    pub message: String,
}

/// What an importer made of one file.
#[derive(Debug, Default)]
pub struct Parsed {
    pub recommendations: Vec<NewRecommendation>,
    /// Rows that were skipped, each with its reason.
    pub errors: Vec<Problem>,
    /// Rows that were imported but with something a person should know (a name that could
    /// not be mapped, two rows merged with different labels).
    pub warnings: Vec<Problem>,
    /// Positions stated apart from the recommendations' text (a Working Group report's
    /// addendum), to apply to recommendations already imported.
    pub position_updates: Vec<PositionUpdate>,
    /// How many source rows or entries were read.
    pub rows_read: usize,
}

/// Why a whole file was refused. Nothing of it is imported.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{file}: cannot read the file: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: the file is {size} bytes; the limit is {limit} bytes. Split it or check it is the right file")]
    TooLarge { file: String, size: u64, limit: u64 },
    #[error("{file}: {message}")]
    Refused { file: String, message: String },
}

impl IngestError {
    pub fn refused(file: &str, message: impl Into<String>) -> Self {
        Self::Refused {
            file: file.to_string(),
            message: message.into(),
        }
    }

    /// The reason without the file name, for reports that name the file apart.
    pub fn reason(&self) -> String {
        match self {
            Self::Io { source, .. } => format!("cannot read the file: {source}"),
            Self::TooLarge { size, limit, .. } => {
                format!("the file is {size} bytes; the limit is {limit} bytes. Split it or check it is the right file")
            }
            Self::Refused { message, .. } => message.clone(),
        }
    }
}

/// What the person importing says about a file that the file may not say itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// The state under review (`--state ISO3`): required by formats that do not name it
    /// (IMPACT OSS), and overriding the one a document names.
    pub state: Option<rightstrack_core::StateCode>,
}

/// Reads and parses one file, detecting its format unless one is given.
pub fn parse_file(path: &Path, format: Option<Format>) -> Result<(Format, Parsed), IngestError> {
    parse_file_with(path, format, &ImportOptions::default())
}

/// [`parse_file`] with what the person importing said about the file.
pub fn parse_file_with(
    path: &Path,
    format: Option<Format>,
    options: &ImportOptions,
) -> Result<(Format, Parsed), IngestError> {
    let file = path.display().to_string();
    let io = |source| IngestError::Io {
        file: file.clone(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_FILE_BYTES {
        return Err(IngestError::TooLarge {
            file,
            size,
            limit: MAX_FILE_BYTES,
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    parse_named(&file, &bytes, format, options)
}

/// Parses the bytes of a file already read (an upload), named `file` in messages,
/// detecting its format unless one is given: what [`parse_file_with`] does after reading.
pub fn parse_named(
    file: &str,
    bytes: &[u8],
    format: Option<Format>,
    options: &ImportOptions,
) -> Result<(Format, Parsed), IngestError> {
    let size = bytes.len() as u64;
    if size > MAX_FILE_BYTES {
        return Err(IngestError::TooLarge {
            file: file.to_string(),
            size,
            limit: MAX_FILE_BYTES,
        });
    }
    let format = match format {
        Some(f) => f,
        None => format::detect(file, bytes)?,
    };
    let parsed = parse_bytes_with(format, file, bytes, options)?;
    Ok((format, parsed))
}

/// Parses bytes already read, as `format`. `file` names them in messages.
pub fn parse_bytes(format: Format, file: &str, bytes: &[u8]) -> Result<Parsed, IngestError> {
    parse_bytes_with(format, file, bytes, &ImportOptions::default())
}

/// [`parse_bytes`] with what the person importing said about the file.
pub fn parse_bytes_with(
    format: Format,
    file: &str,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<Parsed, IngestError> {
    match format {
        Format::UprInfoCsv => upr_info::parse(file, bytes),
        Format::ThematicList => thematic_list::parse(file, bytes, options),
        Format::Uhri => uhri::parse(file, bytes),
        Format::ImpactOssCsv => impact_oss::parse(file, bytes, options),
        Format::WgReport => wg_report::parse(file, bytes),
        Format::WgAddendum => wg_report::addendum::parse(file, bytes),
    }
}
