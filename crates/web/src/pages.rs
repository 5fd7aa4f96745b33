//! Server-rendered pages. Every page is a plain HTML document that works without
//! JavaScript; templates escape every value by default.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use rightstrack_core::{
    ImplementationStatus, Mechanism, Recommendation, RecommendationId, StateCode,
};
use rightstrack_store::Counts;

use crate::auth::Viewer;
use crate::i18n::Ui;
use crate::{ApiError, AppState};

/// Renders a template, or a plain error page if rendering itself fails.
pub(crate) fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// What a form's post answers: the page it leads to (a path of this site), or the error
/// page saying what was wrong.
pub(crate) fn after_form(result: Result<String, ApiError>, ui: Ui) -> Response {
    match result {
        Ok(path) => crate::auth::local_redirect(&path),
        Err(e) => e.page(ui),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ui: Ui,
    title: String,
    message: String,
}

/// Errors on pages are pages too, with the same status codes as the API. The message
/// names what was wrong in the request, and stays in English like the API's.
impl ApiError {
    pub(crate) fn page(self, ui: Ui) -> Response {
        let status = self.status();
        let page = ErrorPage {
            title: ui.t(&format!("error.{}", status.as_u16())).to_string(),
            message: self.public_message(),
            ui,
        };
        (status, render(&page)).into_response()
    }
}

pub async fn not_found(ui: Ui) -> Response {
    ApiError::NotFound("page".into()).page(ui)
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../static/style.css"),
    )
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    ui: Ui,
    counts: Counts,
    states: Vec<(String, String)>,
}

pub async fn home(State(app): State<AppState>, ui: Ui, viewer: Viewer) -> Response {
    let public = !viewer.sees_drafts();
    let counts = match app.store.counts(public).await {
        Ok(c) => c,
        Err(e) => return ApiError::from(e).page(ui),
    };
    let states = reviewed_states(&app, public).await;
    render(&Home { ui, counts, states })
}

/// States that have recommendations, for the home page's links (code, name).
async fn reviewed_states(app: &AppState, public: bool) -> Vec<(String, String)> {
    match app.store.reviewed_states(public).await {
        Ok(states) => states
            .into_iter()
            .map(|(code, _)| (code.to_string(), code.state().name.to_string()))
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "cannot list states");
            Vec::new()
        }
    }
}

/// A recommendation as the pages show it: names resolved, values formatted.
pub struct Row {
    pub id: i64,
    pub state: String,
    pub state_name: String,
    pub mechanism: String,
    pub cycle: String,
    pub session: String,
    pub document: String,
    pub paragraph: String,
    pub text: String,
    /// The text's language, for its `lang` attribute.
    pub language: String,
    pub recommending: String,
    pub position: String,
    pub position_code: String,
    pub position_source: String,
    pub position_explanation: String,
    pub action_category: String,
    pub tags: Vec<(String, String, String)>,
    pub published: bool,
}

impl Row {
    /// The interface's vocabulary in `ui`'s language; the data as it is.
    pub fn new(r: &Recommendation, ui: &Ui) -> Self {
        let opt = |v: Option<String>| v.unwrap_or_default();
        Self {
            id: r.id.0,
            state: r.state.to_string(),
            state_name: r.state.state().name.to_string(),
            mechanism: ui.mechanism(&r.mechanism),
            cycle: opt(r.cycle.map(|c| c.to_string())),
            session: opt(r.session.map(|s| s.to_string())),
            document: opt(r.document.as_ref().map(|d| d.symbol.clone())),
            paragraph: opt(r.paragraph.clone()),
            text: r.text.clone(),
            language: r.language.clone(),
            recommending: r
                .recommending_states
                .iter()
                .map(|s| s.state().name)
                .collect::<Vec<_>>()
                .join(", "),
            position: opt(r.position.map(|p| ui.position(p))),
            position_code: opt(r.position.map(|p| p.code().to_string())),
            position_source: opt(r.position_source.clone()),
            position_explanation: opt(r.position_explanation.clone()),
            action_category: opt(r.action_category.map(|a| ui.action_category(a))),
            tags: r
                .tags
                .iter()
                .map(|t| {
                    (
                        ui.taxonomy(t.taxonomy),
                        t.label.clone(),
                        ui.t(&format!("provenance.{}", t.provenance.code()))
                            .to_string(),
                    )
                })
                .collect(),
            published: r.published,
        }
    }
}

/// A link on a recommendation's page: what kind, the record at the other end, and the
/// link's own ends for the decision buttons.
struct LinkRow {
    kind: String,
    other: i64,
    text: String,
    meta: String,
    from: i64,
    to: i64,
    /// A person confirmed or rejected it (the buttons then offer to undo).
    decided: bool,
}

#[derive(Template)]
#[template(path = "detail.html")]
struct Detail {
    ui: Ui,
    rec: Row,
    /// (when, who, what), newest first; for those who may read the registry.
    history: Vec<(String, String, String)>,
    statuses: Vec<(&'static str, String)>,
    /// (how it relates, other id, other text, where the other is from), earlier first.
    links: Vec<LinkRow>,
    /// Its implementation: status over time, assessments, actions, regressions.
    timeline: crate::plans::Timeline,
    /// The model's action category: (category, confidence and model, specificity, words).
    predicted: Option<(String, String, String, String)>,
}

pub async fn detail(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Response {
    let result = async {
        let id = RecommendationId(id);
        let rec = crate::records::visible(&app, &viewer, id).await?;
        let history = if viewer.sees_drafts() {
            crate::records::history(&app, id)
                .await?
                .into_iter()
                .map(|e| {
                    let when =
                        e.at.format(time::macros::format_description!(
                            "[year]-[month]-[day] [hour]:[minute]"
                        ))
                        .unwrap_or_default();
                    (when, e.actor, format!("{} {}", e.action, e.details))
                })
                .collect()
        } else {
            Vec::new()
        };
        let (found, others) = crate::clusters::links_of_visible(&app, &viewer, id).await?;
        let links = found
            .iter()
            .filter_map(|l| {
                let (other, key) = if l.from == id {
                    (l.to, format!("link_kind.{}", l.kind.code()))
                } else {
                    (l.from, format!("link_kind.{}.by", l.kind.code()))
                };
                let r = others.get(&other)?;
                let mut meta = vec![ui.mechanism(&r.mechanism)];
                meta.extend(r.cycle.map(|c| ui.tr("value.cycle", "n", c)));
                meta.extend(r.position.map(|p| ui.position(p)));
                if l.decision != rightstrack_core::Decision::Proposed {
                    meta.push(ui.t(&format!("decision.{}", l.decision.code())).to_string());
                }
                Some(LinkRow {
                    kind: ui.t(&key).to_string(),
                    other: other.0,
                    text: r.text.clone(),
                    meta: meta.join(" · "),
                    from: l.from.0,
                    to: l.to.0,
                    decided: l.decision != rightstrack_core::Decision::Proposed,
                })
            })
            .collect();
        let statuses = ImplementationStatus::ALL
            .iter()
            .map(|s| (s.code(), ui.t(&format!("status.{}", s.code())).to_string()))
            .collect();
        let timeline = crate::plans::timeline(&app, &viewer, &ui, &rec).await?;
        let predicted = app
            .store
            .predicted_categories(&[id])
            .await?
            .into_iter()
            .next()
            .map(|p| {
                let words: Vec<&str> = p.explanation.iter().map(|c| c.term.as_str()).collect();
                (
                    ui.action_category(p.category),
                    ui.tr2(
                        "detail.predicted_by",
                        "confidence",
                        format!("{:.0} %", p.confidence * 100.0),
                        "model",
                        &p.model_version,
                    ),
                    ui.tr(
                        "detail.specificity",
                        "value",
                        format!("{:.2}", p.specificity),
                    ),
                    if words.is_empty() {
                        String::new()
                    } else {
                        ui.tr("detail.predicted_words", "words", words.join(", "))
                    },
                )
            });
        Ok::<_, ApiError>(Detail {
            timeline,
            predicted,
            rec: Row::new(&rec, &ui),
            ui: ui.clone(),
            history,
            statuses,
            links,
        })
    }
    .await;
    match result {
        Ok(page) => render(&page),
        Err(e) => e.page(ui),
    }
}

#[derive(Template)]
#[template(path = "state.html")]
struct StatePage {
    ui: Ui,
    code: String,
    name: String,
    group: String,
    total: u64,
    summary: Vec<(String, String, u64)>,
}

pub async fn state(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Path(code): Path<String>,
) -> Response {
    let Ok(code) = StateCode::parse(&code) else {
        return ApiError::NotFound(format!("state {code}")).page(ui);
    };
    let summary = match app.store.state_summary(code, !viewer.sees_drafts()).await {
        Ok(s) => s,
        Err(e) => return ApiError::from(e).page(ui),
    };
    let info = code.state();
    render(&StatePage {
        code: code.to_string(),
        name: info.name.to_string(),
        group: ui.group(info.group),
        total: summary.iter().map(|(_, _, n)| n).sum(),
        summary: summary
            .into_iter()
            .map(|(cycle, mechanism, n)| {
                let cycle = cycle.map(|c| c.to_string()).unwrap_or_else(|| "–".into());
                let mechanism = Mechanism::parse(&mechanism)
                    .map(|m| ui.mechanism(&m))
                    .unwrap_or(mechanism);
                (cycle, mechanism, n)
            })
            .collect(),
        ui,
    })
}
