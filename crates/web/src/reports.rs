//! The reports page: a form to choose a report, and its download. Thin on purpose: the
//! report is assembled and written by `rightstrack_report`, as on the command line.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rightstrack_core::{Cycle, StateCode};
use rightstrack_report::{
    DashboardRequest, Document, Format, Lang, RenderOptions, ReportError, ReportKind,
    ReportRequest, Voice,
};
use serde::Deserialize;

use crate::i18n::Ui;
use crate::pages::render;
use crate::{ApiError, AppState};

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    ui: Ui,
    states: Vec<(String, String)>,
    /// (code, label) pairs.
    kinds: Vec<(&'static str, String)>,
    voices: Vec<(&'static str, String)>,
    langs: Vec<&'static str>,
    formats: Vec<&'static str>,
}

pub async fn page(State(app): State<AppState>, ui: Ui, viewer: crate::auth::Viewer) -> Response {
    let states = match app.store.reviewed_states(!viewer.sees_drafts()).await {
        Ok(states) => states
            .into_iter()
            .map(|(code, _)| (code.to_string(), code.state().name.to_string()))
            .collect(),
        Err(e) => return ApiError::from(e).page(ui),
    };
    let label =
        |prefix: &str, code: &'static str| (code, ui.t(&format!("{prefix}.{code}")).to_string());
    let kinds = ReportKind::ALL
        .iter()
        .map(|k| label("reports.kind", k.code()))
        .collect();
    let voices = Voice::ALL
        .iter()
        .map(|v| label("reports.voice", v.code()))
        .collect();
    render(&ReportsPage {
        ui,
        states,
        kinds,
        voices,
        langs: Lang::ALL.iter().map(|l| l.code()).collect(),
        formats: Format::ALL.iter().map(|f| f.code()).collect(),
    })
}

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    kind: String,
    state: String,
    cycle: String,
    #[serde(default)]
    voice: Option<String>,
    #[serde(default)]
    lang: Option<String>,
    format: String,
}

fn bad(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(format!("parameter {what}: {e}"))
}

impl ReportQuery {
    fn request(&self) -> Result<(ReportRequest, Format), ApiError> {
        let kind = ReportKind::parse(&self.kind).map_err(|e| bad("kind", e))?;
        let state = StateCode::parse(&self.state).map_err(|e| bad("state", e))?;
        let cycle = Cycle::parse(&self.cycle).map_err(|e| bad("cycle", e))?;
        let voice = match &self.voice {
            Some(v) => Voice::parse(v).map_err(|e| bad("voice", e))?,
            None => Voice::Government,
        };
        let lang = match &self.lang {
            Some(l) => Lang::parse(l).map_err(|e| bad("lang", e))?,
            None => Lang::En,
        };
        let format = Format::parse(&self.format).map_err(|e| bad("format", e))?;
        Ok((
            ReportRequest {
                voice,
                lang,
                ..ReportRequest::new(kind, state, u8::from(cycle))
            },
            format,
        ))
    }
}

/// `GET /reports/download?kind=mid-term&state=SVN&cycle=3&format=pdf[&voice=nhri][&lang=fr]`
pub async fn download(
    State(app): State<AppState>,
    viewer: crate::auth::Viewer,
    Query(query): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let (mut request, format) = query.request()?;
    // The public's reports are made of published records only.
    request.published_only |= !viewer.sees_drafts();
    app.store
        .record_audit(
            viewer.actor(),
            "export",
            "report",
            None,
            serde_json::json!({"kind": request.kind.code(), "state": request.state.to_string(), "cycle": request.cycle, "format": format.code()}),
        )
        .await?;
    let doc = rightstrack_report::assemble(app.store.as_ref(), &request)
        .await
        .map_err(report_error)?;
    let name = format!(
        "{}-{}-cycle{}-{}.{}",
        request.kind.code(),
        request.state,
        request.cycle,
        request.voice.code(),
        format.code()
    );
    send(doc, format, Some(name)).await
}

/// The document in `format`: attached under `name`, or shown in the browser.
async fn send(doc: Document, format: Format, name: Option<String>) -> Result<Response, ApiError> {
    // Laying out a PDF takes a noticeable fraction of a second: off the async workers.
    let bytes = tokio::task::spawn_blocking(move || {
        rightstrack_report::render(&doc, format, RenderOptions { bom: true })
    })
    .await
    .map_err(|e| ApiError::Failed(format!("the report could not be written: {e}")))?
    .map_err(report_error)?;
    let disposition = match name {
        Some(name) => format!("attachment; filename=\"{name}\""),
        None => "inline".to_string(),
    };
    Ok((
        [
            (header::CONTENT_TYPE, format.media_type().to_string()),
            // A report is one self-contained document: its styles are inline, it runs no
            // script and loads nothing.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'".to_string(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct DashboardQuery {
    #[serde(default)]
    format: Option<String>,
}

/// `GET /states/{code}/dashboard[?format=pdf]`: the public dashboard, published data only.
pub async fn public_dashboard(
    State(app): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, ApiError> {
    dashboard(app, &ui, &code, query, true).await
}

/// `GET /states/{code}/dashboard/internal`: the coordinator's dashboard, with unpublished
/// data. It must sit behind sign-in (a coordinator's role) before it is served.
pub async fn internal_dashboard(
    State(app): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, ApiError> {
    dashboard(app, &ui, &code, query, false).await
}

async fn dashboard(
    app: AppState,
    ui: &Ui,
    code: &str,
    query: DashboardQuery,
    published_only: bool,
) -> Result<Response, ApiError> {
    let state = StateCode::parse(code).map_err(|e| bad("state", e))?;
    let format = match &query.format {
        Some(f) => Format::parse(f).map_err(|e| bad("format", e))?,
        None => Format::Html,
    };
    // The report's language follows the page's where reports have it.
    let lang = Lang::parse(ui.lang()).unwrap_or(Lang::En);
    let request = DashboardRequest::new(state, lang, published_only);
    let doc = rightstrack_report::build::dashboard::build(app.store.as_ref(), &request)
        .await
        .map_err(report_error)?;
    let name = (format != Format::Html).then(|| format!("dashboard-{state}.{}", format.code()));
    send(doc, format, name).await
}

fn report_error(e: ReportError) -> ApiError {
    match e {
        ReportError::Store(e) => ApiError::Internal(e),
        other => ApiError::BadRequest(other.to_string()),
    }
}
