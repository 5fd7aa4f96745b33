//! One import as `rightstrack import` and the web's import page both run it: read a file
//! (from disk or an upload), detect or take its format, parse it with
//! [`rightstrack_ingest`], and write it with the store in one transaction — or, for a dry
//! run, compute what would change and roll back. Both callers go through [`import_file`],
//! so a file imports the same way wherever it comes from.

mod reconcile;

use std::path::PathBuf;

use rightstrack_core::NewRecommendation;
use rightstrack_store::{ImportBatch, ImportSummary, Store, StoreError};
use serde::Serialize;

pub use reconcile::ReviewTally;
pub use rightstrack_ingest::{Format, ImportOptions, IngestError, Problem, MAX_FILE_BYTES};

/// How many of a file's recommendations a report keeps to show (a preview's sample).
pub const SAMPLE: usize = 10;

/// Where the bytes of one file come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A file on disk, read here (its size checked before reading).
    Path(PathBuf),
    /// An upload already in memory, with the name its sender gave it.
    Upload { name: String, bytes: Vec<u8> },
}

impl Source {
    /// The name messages and the audit log give the file.
    pub fn name(&self) -> String {
        match self {
            Self::Path(p) => p.display().to_string(),
            Self::Upload { name, .. } => name.clone(),
        }
    }
}

/// What one import run did (or would do), over all its files: the `--json` summary.
#[derive(Debug, Default, Serialize)]
pub struct ImportReport {
    #[serde(flatten)]
    pub summary: ImportSummary,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
    pub files: Vec<FileReport>,
    /// Each review the files spoke of, after the import (see [`reconcile`]).
    pub reviews: Vec<ReviewTally>,
    #[serde(skip)]
    touched: Vec<reconcile::Touched>,
}

impl ImportReport {
    /// Whether a whole file was refused.
    pub fn refused(&self) -> bool {
        self.files.iter().any(|f| f.refused)
    }
}

#[derive(Debug, Serialize)]
pub struct FileReport {
    pub file: String,
    pub format: Option<String>,
    pub rows_read: usize,
    #[serde(flatten)]
    pub summary: ImportSummary,
    pub refused: bool,
    /// The first recommendations read, for a person to check a preview against the file.
    #[serde(skip)]
    pub sample: Vec<NewRecommendation>,
    /// How many position updates (an addendum's) the file holds.
    #[serde(skip)]
    pub position_updates: usize,
}

/// The store failed, or the parser stopped: nothing of the file was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: the import failed and nothing of it was written: {source}")]
    Store {
        file: String,
        #[source]
        source: StoreError,
    },
    #[error("{file}: the importer stopped unexpectedly: {message}")]
    Stopped { file: String, message: String },
}

/// Who imports, and how.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// The format, or `None` to detect it from each file.
    pub format: Option<Format>,
    pub options: ImportOptions,
    /// Compute what would change, write nothing.
    pub dry_run: bool,
    /// The audit log's actor: a user name, or `system` from the command line.
    pub actor: String,
}

/// Imports one file into `store`, adding what happened to `report`. A file that is not
/// of the format, or not readable, is refused whole and recorded as such in `report`; only
/// a failure of the store (or of the parsing task) is an error, and then nothing of the
/// file was written.
pub async fn import_file(
    store: &dyn Store,
    source: Source,
    run: &Run,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let file = source.name();
    // Parsing is CPU work (PDF, DOCX, spreadsheets): off the async threads.
    let parsed = tokio::task::spawn_blocking({
        let (format, options) = (run.format, run.options.clone());
        move || match source {
            Source::Path(path) => rightstrack_ingest::parse_file_with(&path, format, &options),
            Source::Upload { name, bytes } => {
                rightstrack_ingest::parse_named(&name, &bytes, format, &options)
            }
        }
    })
    .await
    .map_err(|e| ImportError::Stopped {
        file: file.clone(),
        message: e.to_string(),
    })?;
    let (format, parsed) = match parsed {
        Ok(ok) => ok,
        Err(e) => {
            report.errors.push(Problem {
                file: file.clone(),
                location: String::new(),
                message: e.reason(),
            });
            report.files.push(FileReport {
                file,
                format: None,
                rows_read: 0,
                summary: ImportSummary::default(),
                refused: true,
                sample: Vec::new(),
                position_updates: 0,
            });
            return Ok(());
        }
    };
    // Tests that stop an import on purpose wait for this line.
    tracing::info!(file = %file, recommendations = parsed.recommendations.len(), "writing");
    let sample: Vec<NewRecommendation> = parsed
        .recommendations
        .iter()
        .take(SAMPLE)
        .cloned()
        .collect();
    let position_updates = parsed.position_updates.len();
    // The documents of one review, read for themselves: their reviews are reconciled.
    if !run.dry_run && matches!(format, Format::WgReport | Format::WgAddendum) {
        report.touched.extend(touched_reviews(&file, &parsed));
    }
    let batch = ImportBatch {
        actor: run.actor.clone(),
        source: file.clone(),
        recommendations: parsed.recommendations,
        position_updates: parsed.position_updates,
        dry_run: run.dry_run,
    };
    let mut summary = store
        .import(batch)
        .await
        .map_err(|source| ImportError::Store {
            file: file.clone(),
            source,
        })?;
    summary.skipped += parsed.errors.len();
    report.summary += summary;
    report.errors.extend(parsed.errors);
    report.warnings.extend(parsed.warnings);
    report.files.push(FileReport {
        file,
        format: Some(format.code().to_string()),
        rows_read: parsed.rows_read,
        summary,
        refused: false,
        sample,
        position_updates,
    });
    Ok(())
}

/// The reviews a parsed file speaks of: its recommendations' and its positions'.
fn touched_reviews(file: &str, parsed: &rightstrack_ingest::Parsed) -> Vec<reconcile::Touched> {
    let mut out: Vec<reconcile::Touched> = Vec::new();
    let mut add = |review: reconcile::ReviewKey, paragraph: Option<&str>| {
        let at = match out.iter().position(|t| t.review == review) {
            Some(i) => i,
            None => {
                out.push(reconcile::Touched {
                    file: file.to_string(),
                    review,
                    position_paragraphs: Vec::new(),
                });
                out.len() - 1
            }
        };
        if let Some(p) = paragraph {
            out[at].position_paragraphs.push(p.to_string());
        }
    };
    for r in &parsed.recommendations {
        if r.mechanism != rightstrack_core::Mechanism::Upr || r.paragraph.is_none() {
            continue;
        }
        let review = reconcile::ReviewKey::new(
            r.state,
            r.session.map(|s| s.number()),
            r.document.as_ref().map(|d| d.symbol.clone()),
        );
        add(review, None);
    }
    for u in &parsed.position_updates {
        let review = reconcile::ReviewKey::new(
            u.state,
            u.session.map(|s| s.number()),
            u.report_symbol.clone(),
        );
        add(review, Some(&u.paragraph));
    }
    out
}

/// After the files of one run are imported: tallies each review they spoke of into
/// `report.reviews` and warns of every mismatch — positions that found no recommendation
/// (an addendum imported before its report), paragraphs left without a position, gaps in
/// the report's numbering. Nothing to do after a dry run, which wrote nothing.
pub async fn reconcile(store: &dyn Store, report: &mut ImportReport) -> Result<(), ImportError> {
    let touched = std::mem::take(&mut report.touched);
    reconcile::reconcile(store, &touched, &mut report.reviews, &mut report.warnings)
        .await
        .map_err(|source| ImportError::Store {
            file: touched.first().map(|t| t.file.clone()).unwrap_or_default(),
            source,
        })
}
