//! The review queue: the suggestions `rightstrack classify` stored, each with the terms
//! of the text that drove it (from the model's weights, stored at classification), for a
//! person to accept or reject one by one or in bulk. As a page (CSRF forms) and as JSON.
//! The store turns accepted suggestions into the person's tags and remembers rejections.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rightstrack_core::{RecommendationId, StateCode, Taxonomy};
use rightstrack_store::review::{
    DecisionSummary, PendingSuggestion, SuggestionDecision, SuggestionQuery,
};
use rightstrack_store::{Page, RecommendationFilter};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{local_redirect, Viewer};
use crate::error::{BadRequest, Forbidden, InternalError, Unauthorized};
use crate::extract::{ApiJson, ApiQuery};
use crate::i18n::Ui;
use crate::pages::render;
use crate::{ApiError, AppState};

/// Suggestions on one page of the queue, and at most in one API answer.
const PAGE: u32 = 50;
const MAX_LIMIT: u32 = 500;
/// Decisions taken in one request.
const MAX_DECISIONS: usize = 1000;

/// The queue's filters, as the page's form and the API take them. Empty means any.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewParams {
    /// A task (taxonomy): `upr_issue`, `uhri_theme`, `affected_persons`, `sdg_goal`, `sdg_target`.
    #[serde(default)]
    task: String,
    /// ISO 3166-1 alpha-3 code of the state under review.
    #[serde(default)]
    state: String,
    /// A label's code or its label.
    #[serde(default)]
    label: String,
    /// Lowest confidence, 0 to 1.
    #[serde(default)]
    min_confidence: String,
    /// Highest confidence, 0 to 1.
    #[serde(default)]
    max_confidence: String,
    #[serde(default)]
    offset: Option<u64>,
    /// At most 500.
    #[serde(default)]
    limit: Option<u32>,
}

fn confidence(value: &str, field: &str) -> Result<Option<f32>, ApiError> {
    match value.trim() {
        "" => Ok(None),
        v => v
            .parse::<f32>()
            .ok()
            .filter(|c| (0.0..=1.0).contains(c))
            .map(Some)
            .ok_or_else(|| {
                ApiError::BadRequest(format!("{field}: {v:?}, expected a number from 0 to 1"))
            }),
    }
}

fn taxonomy(value: &str, field: &str) -> Result<Taxonomy, ApiError> {
    Taxonomy::parse(value).map_err(|e| ApiError::BadRequest(format!("{field}: {e}")))
}

impl ReviewParams {
    fn query(&self) -> Result<SuggestionQuery, ApiError> {
        let state = match self.state.trim() {
            "" => None,
            s => Some(
                StateCode::parse(&s.to_uppercase())
                    .map_err(|e| ApiError::BadRequest(format!("state: {e}")))?,
            ),
        };
        let task = match self.task.trim() {
            "" => None,
            t => Some(taxonomy(t, "task")?),
        };
        Ok(SuggestionQuery {
            filter: RecommendationFilter {
                state,
                ..Default::default()
            },
            taxonomy: task,
            label: Some(self.label.trim().to_string()).filter(|l| !l.is_empty()),
            min_confidence: confidence(&self.min_confidence, "min_confidence")?,
            max_confidence: confidence(&self.max_confidence, "max_confidence")?,
            limit: self.limit.unwrap_or(PAGE).clamp(1, MAX_LIMIT),
            offset: self.offset.unwrap_or(0),
        })
    }
}

fn verdict(word: &str) -> Result<bool, ApiError> {
    match word {
        "accept" => Ok(true),
        "reject" => Ok(false),
        other => Err(ApiError::BadRequest(format!(
            "decision {other:?}: expected accept or reject"
        ))),
    }
}

/// A suggestion's key in forms: recommendation, taxonomy and code.
fn key(s: &PendingSuggestion) -> String {
    format!("{}|{}|{}", s.recommendation_id.0, s.taxonomy.code(), s.code)
}

fn parse_key(value: &str, accept: bool) -> Result<SuggestionDecision, ApiError> {
    let bad = || ApiError::BadRequest(format!("suggestion {value:?}: expected id|task|code"));
    let mut parts = value.splitn(3, '|');
    let id = parts
        .next()
        .and_then(|i| i.parse::<i64>().ok())
        .ok_or_else(bad)?;
    let task = taxonomy(parts.next().ok_or_else(bad)?, "task")?;
    let code = parts.next().filter(|c| !c.is_empty()).ok_or_else(bad)?;
    Ok(SuggestionDecision {
        recommendation_id: RecommendationId(id),
        taxonomy: task,
        code: code.to_string(),
        accept,
    })
}

/// One line of the queue, ready to show.
struct Line {
    key: String,
    id: i64,
    text: String,
    state: String,
    task: String,
    label: String,
    code: String,
    confidence: String,
    /// "term (weight)", strongest first.
    words: Vec<String>,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    ui: Ui,
    lines: Vec<Line>,
    total: u64,
    tasks: Vec<(&'static str, String)>,
    task: String,
    state: String,
    label: String,
    min_confidence: String,
    max_confidence: String,
    /// This page's query, for the decision form to come back to.
    back: String,
    previous: Option<String>,
    next: Option<String>,
    done: String,
}

/// The query string of this page at another offset.
fn at_offset(params: &ReviewParams, offset: u64) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("task", &params.task)
        .append_pair("state", &params.state)
        .append_pair("label", &params.label)
        .append_pair("min_confidence", &params.min_confidence)
        .append_pair("max_confidence", &params.max_confidence)
        .append_pair("offset", &offset.to_string())
        .finish()
}

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    accepted: Option<usize>,
    #[serde(default)]
    rejected: Option<usize>,
    #[serde(default)]
    not_found: Option<usize>,
}

pub async fn page(
    State(app): State<AppState>,
    ui: Ui,
    Query(params): Query<ReviewParams>,
    Query(done): Query<Done>,
) -> Response {
    let result = async {
        let query = params.query()?;
        let found = app.store.pending_suggestions(&query).await?;
        let lines = found
            .items
            .iter()
            .map(|s| Line {
                key: key(s),
                id: s.recommendation_id.0,
                text: s.text.clone(),
                state: s.state.to_string(),
                task: ui.taxonomy(s.taxonomy),
                label: s.label.clone(),
                code: s.code.clone(),
                confidence: format!("{:.0} %", s.confidence * 100.0),
                words: s
                    .explanation
                    .iter()
                    .map(|c| format!("{} ({:.2})", c.term, c.weight))
                    .collect(),
            })
            .collect();
        let offset = query.offset;
        let shown = found.items.len() as u64;
        let done = match (done.accepted, done.rejected) {
            (Some(a), Some(r)) => {
                ui.tr2("review.done", "accepted", a, "rejected", r)
                    + &done
                        .not_found
                        .filter(|n| *n > 0)
                        .map(|n| format!(" {}", ui.tr("review.not_found", "n", n)))
                        .unwrap_or_default()
            }
            _ => String::new(),
        };
        Ok::<_, ApiError>(ReviewPage {
            tasks: Taxonomy::ALL
                .iter()
                .map(|t| (t.code(), ui.taxonomy(*t)))
                .collect(),
            lines,
            total: found.total,
            task: params.task.clone(),
            state: params.state.clone(),
            label: params.label.clone(),
            min_confidence: params.min_confidence.clone(),
            max_confidence: params.max_confidence.clone(),
            back: at_offset(&params, offset),
            previous: (offset > 0)
                .then(|| at_offset(&params, offset.saturating_sub(u64::from(query.limit)))),
            next: (offset + shown < found.total).then(|| at_offset(&params, offset + shown)),
            done,
            ui: ui.clone(),
        })
    }
    .await;
    match result {
        Ok(page) => render(&page),
        Err(e) => e.page(ui),
    }
}

/// The decisions a form sends: one button (`one=accept:KEY`), or a bulk button
/// (`bulk=accept|reject`) over the ticked `pick=KEY` boxes.
fn form_decisions(body: &[u8]) -> Result<(Vec<SuggestionDecision>, String), ApiError> {
    let (mut one, mut bulk, mut picks, mut back) = (None, None, Vec::new(), String::new());
    for (k, v) in form_urlencoded::parse(body) {
        match k.as_ref() {
            "one" => one = Some(v.into_owned()),
            "bulk" => bulk = Some(v.into_owned()),
            "pick" => picks.push(v.into_owned()),
            "back" => back = v.into_owned(),
            _ => {}
        }
    }
    let decisions = if let Some(one) = one {
        let (word, key) = one.split_once(':').ok_or_else(|| {
            ApiError::BadRequest(format!("one {one:?}: expected accept:KEY or reject:KEY"))
        })?;
        vec![parse_key(key, verdict(word)?)?]
    } else {
        let accept = verdict(bulk.as_deref().unwrap_or_default())?;
        if picks.is_empty() {
            return Err(ApiError::BadRequest(
                "pick: select at least one suggestion".into(),
            ));
        }
        picks
            .iter()
            .map(|p| parse_key(p, accept))
            .collect::<Result<_, _>>()?
    };
    Ok((decisions, back))
}

fn checked(decisions: &[SuggestionDecision]) -> Result<(), ApiError> {
    if decisions.len() > MAX_DECISIONS {
        return Err(ApiError::BadRequest(format!(
            "decisions: at most {MAX_DECISIONS} at once"
        )));
    }
    Ok(())
}

pub async fn decide_form(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    body: Bytes,
) -> Response {
    let result = async {
        let (decisions, back) = form_decisions(&body)?;
        checked(&decisions)?;
        let summary = app
            .store
            .decide_suggestions(viewer.actor(), &decisions)
            .await?;
        Ok::<_, ApiError>((summary, back))
    }
    .await;
    match result {
        Ok((s, back)) => {
            // `back` is this site's own query string: only its pairs are kept.
            let back: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form_urlencoded::parse(back.as_bytes()))
                .append_pair("accepted", &s.accepted.to_string())
                .append_pair("rejected", &s.rejected.to_string())
                .append_pair("not_found", &s.not_found.to_string())
                .finish();
            local_redirect(&format!("/review?{back}"))
        }
        Err(e) => e.page(ui),
    }
}

/// Model suggestions waiting for review, most confident first, each with the terms that
/// drove it (`explanation`: term and weight, strongest first).
#[utoipa::path(get, path = "/api/v1/suggestions", tag = "review", security(("token" = [])),
    params(ReviewParams),
    responses((status = 200, description = "A page of suggestions: total, items (recommendation_id, state, text, published, taxonomy, code, label, confidence, model_version, explanation)", body = Object),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 500, response = InternalError)))]
pub async fn list_api(
    State(app): State<AppState>,
    ApiQuery(params): ApiQuery<ReviewParams>,
) -> Result<Json<Page<PendingSuggestion>>, ApiError> {
    Ok(Json(app.store.pending_suggestions(&params.query()?).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionItem {
    recommendation_id: i64,
    /// The suggestion's task (taxonomy code).
    taxonomy: String,
    /// The suggested label's code.
    code: String,
    /// `accept` or `reject`.
    decision: String,
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionsRequest {
    decisions: Vec<DecisionItem>,
}

/// Accepts or rejects suggestions: accepted ones become the signed-in person's tags,
/// rejected ones are never suggested again by the same model for that recommendation.
/// Each decision is an audit log entry.
#[utoipa::path(post, path = "/api/v1/suggestions/decisions", tag = "review", security(("token" = [])),
    request_body = DecisionsRequest,
    responses((status = 200, description = "How many were accepted, rejected, and not found (decided before or replaced)", body = Object),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 500, response = InternalError)))]
pub async fn decide_api(
    State(app): State<AppState>,
    viewer: Viewer,
    ApiJson(body): ApiJson<DecisionsRequest>,
) -> Result<Response, ApiError> {
    let decisions = body
        .decisions
        .iter()
        .map(|d| {
            Ok(SuggestionDecision {
                recommendation_id: RecommendationId(d.recommendation_id),
                taxonomy: taxonomy(&d.taxonomy, "taxonomy")?,
                code: d.code.clone(),
                accept: verdict(&d.decision)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    checked(&decisions)?;
    let summary: DecisionSummary = app
        .store
        .decide_suggestions(viewer.actor(), &decisions)
        .await?;
    Ok(Json(summary).into_response())
}
