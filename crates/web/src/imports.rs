//! Import from the browser: a coordinator uploads a file, sees what importing it would
//! change (a dry run through the very function `rightstrack import` uses,
//! [`rightstrack_import::import_file`]), and confirms. Between the two steps the upload
//! waits in memory only — never on disk — for at most [`KEEP`], for the user who sent it;
//! confirming or a newer upload by the same user drops it. The store's import writes the
//! audit log entry, under the user's name.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Form;
use rightstrack_core::StateCode;
use rightstrack_import::{Format, ImportOptions, ImportReport, Run, Source};
use serde::Deserialize;

use crate::auth::Viewer;
use crate::i18n::Ui;
use crate::multipart;
use crate::pages::render;
use crate::{ApiError, AppState};

/// The largest file the page takes; larger ones go through `rightstrack import`.
pub const MAX_UPLOAD_BYTES: usize = 32 * 1024 * 1024;
/// The preview route's body limit: the file and the form's few small fields.
pub const UPLOAD_BODY_BYTES: usize = MAX_UPLOAD_BYTES + 64 * 1024;
/// How long an upload waits for its confirmation.
pub const KEEP: Duration = Duration::from_secs(30 * 60);
/// Uploads waiting at once, over all users; the oldest goes first.
const MAX_WAITING: usize = 8;

/// An upload between its preview and its confirmation.
struct Waiting {
    key: String,
    user_id: i64,
    name: String,
    bytes: Vec<u8>,
    format: Format,
    options: ImportOptions,
    since: Instant,
}

/// The uploads waiting for confirmation, in memory.
#[derive(Default)]
pub struct Uploads(Mutex<Vec<Waiting>>);

impl Uploads {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Waiting>> {
        // A panic elsewhere while holding the lock leaves a list that is still valid.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps an upload; the user's earlier one, if any, is dropped.
    fn put(&self, waiting: Waiting) {
        let mut list = self.lock();
        list.retain(|w| w.since.elapsed() < KEEP && w.user_id != waiting.user_id);
        if list.len() >= MAX_WAITING {
            list.remove(0);
        }
        list.push(waiting);
    }

    /// Takes the upload `key` of this user out, if it is still there.
    fn take(&self, key: &str, user_id: i64) -> Option<Waiting> {
        let mut list = self.lock();
        list.retain(|w| w.since.elapsed() < KEEP);
        let at = list
            .iter()
            .position(|w| w.user_id == user_id && rightstrack_auth::token::same(&w.key, key))?;
        Some(list.remove(at))
    }
}

/// One file's line of the summary table.
struct FileRow {
    file: String,
    format: String,
    rows_read: usize,
    imported: usize,
    updated: usize,
    unchanged: usize,
    skipped: usize,
    position_updates: usize,
    refused: bool,
}

/// One review's line after an import: what it holds now.
struct ReviewRow {
    review: String,
    recommendations: usize,
    positions: String,
    without_position: String,
}

/// One problem: kind (translated), file, place, reason.
struct ProblemRow {
    kind: String,
    file: String,
    place: String,
    reason: String,
}

/// A recommendation read from the file: paragraph, state, recommending states, text.
struct SampleRow {
    paragraph: String,
    state: String,
    from: String,
    text: String,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    ui: Ui,
    /// `form`, `preview` or `done`.
    stage: &'static str,
    formats: Vec<(&'static str, &'static str)>,
    format: String,
    state: String,
    max_mb: usize,
    files: Vec<FileRow>,
    reviews: Vec<ReviewRow>,
    problems: Vec<ProblemRow>,
    sample: Vec<SampleRow>,
    refused: bool,
    /// The waiting upload the confirmation form names.
    key: String,
}

impl ImportPage {
    fn new(ui: Ui) -> Self {
        Self {
            ui,
            stage: "form",
            formats: Format::ALL
                .iter()
                .map(|f| (f.code(), f.description()))
                .collect(),
            format: String::new(),
            state: String::new(),
            max_mb: MAX_UPLOAD_BYTES / (1024 * 1024),
            files: Vec::new(),
            reviews: Vec::new(),
            problems: Vec::new(),
            sample: Vec::new(),
            refused: false,
            key: String::new(),
        }
    }

    fn with_report(mut self, report: &ImportReport) -> Self {
        self.refused = report.refused();
        self.files = report
            .files
            .iter()
            .map(|f| FileRow {
                file: f.file.clone(),
                format: f.format.clone().unwrap_or_default(),
                rows_read: f.rows_read,
                imported: f.summary.imported,
                updated: f.summary.updated,
                unchanged: f.summary.unchanged,
                skipped: f.summary.skipped,
                position_updates: f.position_updates,
                refused: f.refused,
            })
            .collect();
        self.reviews = report
            .reviews
            .iter()
            .map(|r| ReviewRow {
                review: r.name(),
                recommendations: r.recommendations,
                positions: r
                    .positions
                    .iter()
                    .map(|(p, n)| format!("{p} {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                without_position: r.without_position.join(", "),
            })
            .collect();
        let kinds = [
            (self.ui.t("import.kind.error"), &report.errors),
            (self.ui.t("import.kind.warning"), &report.warnings),
        ];
        self.problems = kinds
            .into_iter()
            .flat_map(|(kind, problems)| {
                problems.iter().map(move |p| ProblemRow {
                    kind: kind.to_string(),
                    file: p.file.clone(),
                    place: p.location.clone(),
                    reason: p.message.clone(),
                })
            })
            .collect();
        self.sample = report
            .files
            .iter()
            .flat_map(|f| &f.sample)
            .map(|r| SampleRow {
                paragraph: r.paragraph.clone().unwrap_or_default(),
                state: r.state.to_string(),
                from: r
                    .recommending_states
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                text: r.text.clone(),
            })
            .collect();
        self
    }
}

pub async fn page(ui: Ui) -> Response {
    render(&ImportPage::new(ui))
}

/// What the upload form sent.
struct Upload {
    name: String,
    bytes: Vec<u8>,
    format: Option<Format>,
    /// As typed, for the form shown again.
    format_field: String,
    state_field: String,
    options: ImportOptions,
}

fn read_upload(headers: &HeaderMap, body: &[u8]) -> Result<Upload, ApiError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let boundary = multipart::boundary(content_type).ok_or_else(|| {
        ApiError::BadRequest("send the form as multipart/form-data, with the file".into())
    })?;
    let parts = multipart::parts(body, &boundary).map_err(|e| ApiError::BadRequest(e.0))?;
    let field = |name: &str| {
        parts
            .iter()
            .find(|p| p.name == name)
            .map(multipart::Part::text)
            .unwrap_or_default()
    };
    let file = parts
        .iter()
        .find(|p| p.name == "file" && p.filename.as_deref().is_some_and(|f| !f.is_empty()))
        .ok_or_else(|| ApiError::BadRequest("file: choose a file to import".into()))?;
    if file.data.len() > MAX_UPLOAD_BYTES {
        return Err(too_large());
    }
    let format_field = field("format");
    let format = match format_field.as_str() {
        "" => None,
        code => {
            Some(Format::parse(code).map_err(|e| ApiError::BadRequest(format!("format: {e}")))?)
        }
    };
    let state_field = field("state").to_uppercase();
    let state = match state_field.as_str() {
        "" => None,
        code => Some(StateCode::parse(code).map_err(|e| {
            ApiError::BadRequest(format!(
                "state: {e}; expected the ISO 3166 alpha-3 code of the state under review"
            ))
        })?),
    };
    Ok(Upload {
        name: file.filename.clone().unwrap_or_default(),
        bytes: file.data.clone(),
        format,
        format_field,
        state_field,
        options: ImportOptions { state },
    })
}

fn too_large() -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "the file is larger than {} MB, the limit of the import page: import it with `rightstrack import` on the server",
        MAX_UPLOAD_BYTES / (1024 * 1024)
    ))
}

async fn run_import(app: &AppState, source: Source, run: &Run) -> Result<ImportReport, ApiError> {
    let mut report = ImportReport::default();
    rightstrack_import::import_file(app.store.as_ref(), source, run, &mut report)
        .await
        .map_err(|e| ApiError::Failed(e.to_string()))?;
    rightstrack_import::reconcile(app.store.as_ref(), &mut report)
        .await
        .map_err(|e| ApiError::Failed(e.to_string()))?;
    Ok(report)
}

/// The dry run: what importing the uploaded file would change.
pub async fn preview(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let result = async {
        let user = viewer.user()?;
        let body = body.map_err(|_| too_large())?;
        let upload = read_upload(&headers, &body)?;
        let run = Run {
            format: upload.format,
            options: upload.options.clone(),
            dry_run: true,
            actor: user.username.clone(),
        };
        let source = Source::Upload {
            name: upload.name.clone(),
            bytes: upload.bytes.clone(),
        };
        let report = run_import(&app, source, &run).await?;
        let mut page = ImportPage::new(ui.clone()).with_report(&report);
        page.stage = "preview";
        page.format = upload.format_field;
        page.state = upload.state_field;
        // The format found is kept, so that the confirmed import reads the file as previewed.
        let detected = report
            .files
            .first()
            .and_then(|f| f.format.as_deref())
            .and_then(|code| Format::parse(code).ok());
        if let (Some(format), false) = (detected, page.refused) {
            let key =
                rightstrack_auth::token::generate().map_err(|e| ApiError::Failed(e.to_string()))?;
            app.uploads.put(Waiting {
                key: key.clone(),
                user_id: user.id,
                name: upload.name,
                bytes: upload.bytes,
                format,
                options: upload.options,
                since: Instant::now(),
            });
            page.key = key;
        }
        Ok::<_, ApiError>(page)
    }
    .await;
    match result {
        Ok(page) => render(&page),
        Err(e) => e.page(ui),
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    upload: String,
}

/// Imports the upload previewed, for real.
pub async fn confirm(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Form(form): Form<ConfirmForm>,
) -> Response {
    let result = async {
        let user = viewer.user()?;
        let waiting = app.uploads.take(&form.upload, user.id).ok_or_else(|| {
            ApiError::NotFound(format!(
                "the upload to import (it waits {} minutes after its preview; upload the file again)",
                KEEP.as_secs() / 60
            ))
        })?;
        let run = Run {
            format: Some(waiting.format),
            options: waiting.options,
            dry_run: false,
            actor: user.username.clone(),
        };
        let source = Source::Upload {
            name: waiting.name,
            bytes: waiting.bytes,
        };
        // The router's write hook brings the search index up to date before the answer.
        let report = run_import(&app, source, &run).await?;
        let mut page = ImportPage::new(ui.clone()).with_report(&report);
        page.stage = "done";
        Ok::<_, ApiError>(page)
    }
    .await;
    match result {
        Ok(page) => render(&page),
        Err(e) => e.page(ui),
    }
}
