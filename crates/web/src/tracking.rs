//! The implementation-tracking API: institutions, assignments, actions, indicators,
//! progress, and the accountability signals. Handlers parse, check the object-level rule
//! (a focal point works on their own institution's actions) and call the store; the rules
//! themselves live in the store's `signals` and the core crate.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rightstrack_core::{
    ActionKind, ActionProgress, Funding, InstitutionKind, Legislation, RecommendationId,
    ReportingSchedule, Role, StateCode, Taxonomy,
};
use rightstrack_store::signals;
use rightstrack_store::{
    ActionQuery, Assign, AssignTarget, NewAction, NewIndicator, NewInstitution, NewProgress,
    RecommendationFilter,
};
use serde::{Deserialize, Serialize};
use time::macros::format_description;
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Viewer;
use crate::error::{BadRequest, Forbidden, InternalError, NotFound, Unauthorized};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::records::Created;
use crate::{ApiError, AppState};

fn date(value: &str, what: &str) -> Result<Date, ApiError> {
    Date::parse(value.trim(), format_description!("[year]-[month]-[day]")).map_err(|_| {
        ApiError::BadRequest(format!("{what} {value:?}: expected a date as YYYY-MM-DD"))
    })
}

fn optional_date(value: &Option<String>, what: &str) -> Result<Option<Date>, ApiError> {
    value
        .as_deref()
        .filter(|v| !v.trim().is_empty())
        .map(|v| date(v, what))
        .transpose()
}

fn invalid(e: rightstrack_store::StoreError) -> ApiError {
    match e {
        rightstrack_store::StoreError::Invalid(m) => ApiError::BadRequest(m),
        rightstrack_store::StoreError::NotFound(m) => ApiError::NotFound(m),
        other => other.into(),
    }
}

/// Today's date, for due dates (UTC: the web layer has no state time zone setting).
pub(crate) fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// A focal point works on the actions of their own institution; coordinators and
/// administrators on any.
async fn may_work_on_action(
    app: &AppState,
    viewer: &Viewer,
    action_id: i64,
) -> Result<(), ApiError> {
    let user = viewer.user()?;
    let action = app
        .store
        .actions(&ActionQuery {
            ids: Some(vec![action_id]),
            ..Default::default()
        })
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::NotFound(format!("action {action_id}")))?;
    if user.role == Role::FocalPoint && action.action.institution_id != user.institution_id {
        return Err(ApiError::Forbidden(format!(
            "action {action_id} belongs to another institution"
        )));
    }
    Ok(())
}

#[derive(Deserialize, ToSchema)]
pub struct InstitutionRequest {
    name: String,
    /// ministry, agency, parliament_committee, nhri, cso, un_entity, judiciary or other.
    kind: String,
    #[serde(default)]
    parent_id: Option<i64>,
    #[serde(default)]
    contact_name: Option<String>,
    #[serde(default)]
    contact_email: Option<String>,
}

/// Every institution, by name.
#[utoipa::path(get, path = "/api/v1/institutions", tag = "tracking", security(("token" = [])),
    responses((status = 200, description = "Institutions", body = [Object]),
        (status = 401, response = Unauthorized), (status = 500, response = InternalError)))]
pub async fn institutions(State(app): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(app.store.institutions().await?).into_response())
}

/// Add an institution (coordinators).
#[utoipa::path(post, path = "/api/v1/institutions", tag = "tracking", security(("token" = [])),
    request_body = InstitutionRequest,
    responses((status = 201, description = "Created", body = Created),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 500, response = InternalError)))]
pub async fn create_institution(
    State(app): State<AppState>,
    viewer: Viewer,
    ApiJson(body): ApiJson<InstitutionRequest>,
) -> Result<Response, ApiError> {
    let kind =
        InstitutionKind::parse(&body.kind).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    if body.name.trim().is_empty() {
        return Err(ApiError::BadRequest("name: required".into()));
    }
    let id = app
        .store
        .create_institution(
            viewer.actor(),
            NewInstitution {
                name: body.name.trim().to_string(),
                kind,
                parent_id: body.parent_id,
                contact_name: body.contact_name,
                contact_email: body.contact_email,
            },
        )
        .await
        .map_err(invalid)?;
    Ok((axum::http::StatusCode::CREATED, Json(Created::new(id))).into_response())
}

/// What to assign: exactly one of the recommendations, a cluster, or a tag within a state
/// (and cycle).
#[derive(Deserialize, ToSchema)]
pub struct AssignRequest {
    #[serde(default)]
    recommendation_ids: Vec<i64>,
    #[serde(default)]
    cluster_id: Option<i64>,
    /// With `code`: `uhri_theme`, `upr_issue`, `affected_persons`, `sdg_goal`, `sdg_target`.
    #[serde(default)]
    taxonomy: Option<String>,
    #[serde(default)]
    code: Option<String>,
    /// ISO 3166-1 alpha-3 code narrowing a tag assignment.
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    cycle: Option<u8>,
    #[serde(default)]
    lead: Option<i64>,
    #[serde(default)]
    support: Vec<i64>,
}

impl AssignRequest {
    fn target(&self) -> Result<AssignTarget, ApiError> {
        let filter = || -> Result<RecommendationFilter, ApiError> {
            Ok(RecommendationFilter {
                state: self
                    .state
                    .as_deref()
                    .map(StateCode::parse)
                    .transpose()
                    .map_err(|e| ApiError::BadRequest(format!("state: {e}")))?,
                cycle: self.cycle,
                ..Default::default()
            })
        };
        match (
            &self.recommendation_ids[..],
            self.cluster_id,
            &self.taxonomy,
            &self.code,
        ) {
            (ids, None, None, None) if !ids.is_empty() => Ok(AssignTarget::Recommendations(
                ids.iter().copied().map(RecommendationId).collect(),
            )),
            ([], Some(cluster), None, None) => Ok(AssignTarget::Cluster(cluster)),
            ([], None, Some(taxonomy), Some(code)) => Ok(AssignTarget::Tag {
                filter: filter()?,
                taxonomy: Taxonomy::parse(taxonomy)
                    .map_err(|e| ApiError::BadRequest(e.to_string()))?,
                code: code.clone(),
            }),
            _ => Err(ApiError::BadRequest(
                "give exactly one of recommendation_ids, cluster_id, or taxonomy with code".into(),
            )),
        }
    }
}

/// Assign recommendations in bulk to a lead institution and supporting ones (coordinators).
#[utoipa::path(post, path = "/api/v1/assignments", tag = "tracking", security(("token" = [])),
    request_body = AssignRequest,
    responses((status = 200, description = "How many recommendations and clusters were assigned", body = Object),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound),
        (status = 500, response = InternalError)))]
pub async fn assign(
    State(app): State<AppState>,
    viewer: Viewer,
    ApiJson(body): ApiJson<AssignRequest>,
) -> Result<Response, ApiError> {
    let summary = app
        .store
        .assign(
            viewer.actor(),
            Assign {
                target: body.target()?,
                lead: body.lead,
                support: body.support.clone(),
            },
        )
        .await
        .map_err(invalid)?;
    Ok(Json(summary).into_response())
}

#[derive(Deserialize, IntoParams)]
pub struct InstitutionParam {
    /// Only this institution's.
    institution: Option<i64>,
    /// Only those serving this recommendation.
    recommendation: Option<i64>,
}

/// Assignments, of one institution or all.
#[utoipa::path(get, path = "/api/v1/assignments", tag = "tracking", security(("token" = [])),
    params(InstitutionParam),
    responses((status = 200, description = "Assignments", body = [Object]),
        (status = 401, response = Unauthorized), (status = 500, response = InternalError)))]
pub async fn assignments(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<InstitutionParam>,
) -> Result<Response, ApiError> {
    Ok(Json(app.store.assignments(q.institution).await?).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct ActionRequest {
    title: String,
    #[serde(default)]
    description: String,
    /// legislation, policy, budget, institutional, training, awareness, ratification or other.
    kind: String,
    #[serde(default)]
    institution_id: Option<i64>,
    /// YYYY-MM-DD.
    #[serde(default)]
    start_date: Option<String>,
    /// YYYY-MM-DD.
    #[serde(default)]
    target_date: Option<String>,
    /// planned, ongoing, completed or cancelled.
    #[serde(default)]
    progress: Option<String>,
    #[schema(value_type = Object)]
    #[serde(default)]
    funding: Option<Funding>,
    #[schema(value_type = Object)]
    #[serde(default)]
    legislation: Option<Legislation>,
    #[serde(default)]
    recommendation_ids: Vec<i64>,
    #[serde(default)]
    cluster_ids: Vec<i64>,
}

/// Create an action serving several recommendations and clusters (coordinators).
#[utoipa::path(post, path = "/api/v1/actions", tag = "tracking", security(("token" = [])),
    request_body = ActionRequest,
    responses((status = 201, description = "Created", body = Created),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 500, response = InternalError)))]
pub async fn create_action(
    State(app): State<AppState>,
    viewer: Viewer,
    ApiJson(body): ApiJson<ActionRequest>,
) -> Result<Response, ApiError> {
    let bad = |e: rightstrack_core::ParseError| ApiError::BadRequest(e.to_string());
    let action = NewAction {
        title: body.title.trim().to_string(),
        description: body.description,
        kind: ActionKind::parse(&body.kind).map_err(bad)?,
        institution_id: body.institution_id,
        start_date: optional_date(&body.start_date, "start_date")?,
        target_date: optional_date(&body.target_date, "target_date")?,
        progress: match body.progress.as_deref() {
            Some(p) => ActionProgress::parse(p).map_err(bad)?,
            None => ActionProgress::Planned,
        },
        funding: body.funding,
        legislation: body.legislation,
        recommendation_ids: body
            .recommendation_ids
            .into_iter()
            .map(RecommendationId)
            .collect(),
        cluster_ids: body.cluster_ids,
    };
    if action.title.is_empty() {
        return Err(ApiError::BadRequest("title: required".into()));
    }
    let id = app
        .store
        .create_action(viewer.actor(), action)
        .await
        .map_err(invalid)?;
    Ok((axum::http::StatusCode::CREATED, Json(Created::new(id))).into_response())
}

/// Actions, of one institution or serving one recommendation.
#[utoipa::path(get, path = "/api/v1/actions", tag = "tracking", security(("token" = [])),
    params(InstitutionParam),
    responses((status = 200, description = "Actions", body = [Object]),
        (status = 401, response = Unauthorized), (status = 500, response = InternalError)))]
pub async fn actions(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<InstitutionParam>,
) -> Result<Response, ApiError> {
    let query = ActionQuery {
        institution_id: q.institution,
        recommendation_id: q.recommendation.map(RecommendationId),
        ..Default::default()
    };
    Ok(Json(app.store.actions(&query).await?).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct IndicatorRequest {
    name: String,
    unit: String,
    #[serde(default)]
    baseline: Option<f64>,
    #[serde(default)]
    target: Option<f64>,
    /// monthly, quarterly, semi_annual or annual.
    schedule: String,
    /// Reporting runs from `start` (exclusive) to `end` (inclusive), YYYY-MM-DD.
    start: String,
    end: String,
}

/// Add an indicator to an action; its due dates follow from the schedule.
#[utoipa::path(post, path = "/api/v1/actions/{id}/indicators", tag = "tracking", security(("token" = [])),
    params(("id" = i64, Path, description = "The action's id")),
    request_body = IndicatorRequest,
    responses((status = 201, description = "Created", body = Created),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound),
        (status = 500, response = InternalError)))]
pub async fn add_indicator(
    State(app): State<AppState>,
    viewer: Viewer,
    ApiPath(action_id): ApiPath<i64>,
    ApiJson(body): ApiJson<IndicatorRequest>,
) -> Result<Response, ApiError> {
    may_work_on_action(&app, &viewer, action_id).await?;
    let indicator = NewIndicator {
        action_id,
        name: body.name,
        unit: body.unit,
        baseline: body.baseline,
        target: body.target,
        schedule: ReportingSchedule::parse(&body.schedule)
            .map_err(|e| ApiError::BadRequest(e.to_string()))?,
        start: date(&body.start, "start")?,
        end: date(&body.end, "end")?,
    };
    let id = app
        .store
        .add_indicator(viewer.actor(), indicator)
        .await
        .map_err(invalid)?;
    Ok((axum::http::StatusCode::CREATED, Json(Created::new(id))).into_response())
}

/// An action's indicators with every due date and report.
#[utoipa::path(get, path = "/api/v1/actions/{id}/indicators", tag = "tracking", security(("token" = [])),
    params(("id" = i64, Path, description = "The action's id")),
    responses((status = 200, description = "Indicators", body = [Object]),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 500, response = InternalError)))]
pub async fn indicators(
    State(app): State<AppState>,
    ApiPath(action_id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    Ok(Json(app.store.indicators(action_id).await?).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct ProgressRequest {
    /// The due date reported against, YYYY-MM-DD.
    due_date: String,
    text: String,
    #[serde(default)]
    value: Option<f64>,
    #[serde(default)]
    public: bool,
    /// Attachments, at most 10 MiB each (the request at most 14 MiB).
    #[serde(default)]
    evidence: Vec<EvidenceUpload>,
}

/// One attachment: its name (only the last path component is kept, cleaned), the type the
/// sender declares (checked against the bytes), and the content in base64.
#[derive(Deserialize, ToSchema)]
pub struct EvidenceUpload {
    name: String,
    #[serde(default)]
    content_type: Option<String>,
    base64: String,
}

/// The body limit of the progress route, which carries attachments: 10 MiB in base64 and
/// the report around it.
pub const PROGRESS_BODY_BYTES: usize = 14 * 1024 * 1024;

/// Report progress against an indicator's due date (focal points for their institution's
/// actions, coordinators for any).
#[utoipa::path(post, path = "/api/v1/actions/{id}/indicators/{indicator}/progress", tag = "tracking",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The action's id"), ("indicator" = i64, Path, description = "The indicator's id")),
    request_body = ProgressRequest,
    responses((status = 201, description = "Recorded", body = Created),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound),
        (status = 500, response = InternalError)))]
pub async fn report_progress(
    State(app): State<AppState>,
    viewer: Viewer,
    ApiPath((action_id, indicator_id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<ProgressRequest>,
) -> Result<Response, ApiError> {
    may_work_on_action(&app, &viewer, action_id).await?;
    let belongs = app
        .store
        .indicators(action_id)
        .await?
        .iter()
        .any(|i| i.indicator.id == indicator_id);
    if !belongs {
        return Err(ApiError::NotFound(format!(
            "indicator {indicator_id} of action {action_id}"
        )));
    }
    let id = app
        .store
        .report_progress(
            viewer.actor(),
            NewProgress {
                indicator_id,
                due_date: date(&body.due_date, "due_date")?,
                text: body.text,
                value: body.value,
                public: body.public,
                evidence: body
                    .evidence
                    .iter()
                    .map(|e| {
                        use base64::Engine;
                        let bytes = base64::engine::general_purpose::STANDARD
                            .decode(e.base64.trim())
                            .map_err(|err| {
                                ApiError::BadRequest(format!(
                                    "evidence {:?}: not base64 ({err})",
                                    e.name
                                ))
                            })?;
                        rightstrack_core::evidence::check(&e.name, e.content_type.as_deref(), bytes)
                            .map_err(|err| ApiError::BadRequest(err.to_string()))
                    })
                    .collect::<Result<_, _>>()?,
            },
        )
        .await
        .map_err(invalid)?;
    Ok((axum::http::StatusCode::CREATED, Json(Created::new(id))).into_response())
}

/// A state's accountability signals.
#[derive(Serialize)]
pub(crate) struct Signals {
    pub regressions: Vec<rightstrack_store::RegressionRecord>,
    pub divergences: Vec<rightstrack_core::signals::Divergence>,
    pub overdue: Vec<rightstrack_store::Deadline>,
    pub repeated_not_implemented: Vec<signals::Repeated>,
}

/// The signals of one state, for the API and the signals page.
pub(crate) async fn signals_of(app: &AppState, state: StateCode) -> Result<Signals, ApiError> {
    let store = app.store.as_ref();
    let overdue = signals::overdue(store, today()).await?;
    // Deadlines are kept for every state; keep those serving this state's recommendations.
    let ids: Vec<RecommendationId> = overdue
        .iter()
        .flat_map(|d| d.recommendation_ids.clone())
        .collect();
    let ours: std::collections::HashSet<RecommendationId> = store
        .recommendations_by_ids(&ids)
        .await?
        .into_iter()
        .filter(|r| r.state == state)
        .map(|r| r.id)
        .collect();
    Ok(Signals {
        regressions: store.regressions(state).await?,
        divergences: signals::divergences(store, state).await?,
        overdue: overdue
            .into_iter()
            .filter(|d| d.recommendation_ids.iter().any(|id| ours.contains(id)))
            .collect(),
        repeated_not_implemented: signals::repeated_not_implemented(store, state).await?,
    })
}

/// Regressions, divergent assessments, overdue deadlines and repeated recommendations not
/// implemented, for one state.
#[utoipa::path(get, path = "/api/v1/states/{code}/signals", tag = "tracking", security(("token" = [])),
    params(("code" = String, Path, description = "ISO 3166-1 alpha-3 code of the state under review")),
    responses((status = 200, description = "The signals", body = Object),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 404, response = NotFound),
        (status = 500, response = InternalError)))]
pub async fn state_signals(
    State(app): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> Result<Response, ApiError> {
    let state = StateCode::parse(&code).map_err(|_| ApiError::NotFound(format!("state {code}")))?;
    Ok(Json(signals_of(&app, state).await?).into_response())
}

/// "What is mine, what is due" for one institution.
#[utoipa::path(get, path = "/api/v1/institutions/{id}/dashboard", tag = "tracking", security(("token" = [])),
    params(("id" = i64, Path, description = "The institution's id")),
    responses((status = 200, description = "Assignments, statuses, actions, due and overdue", body = Object),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 500, response = InternalError)))]
pub async fn dashboard(
    State(app): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    Ok(Json(signals::dashboard(app.store.as_ref(), id, today(), 60).await?).into_response())
}

#[derive(Serialize)]
struct Implementation {
    status: Option<rightstrack_store::CurrentStatus>,
    assessments: Vec<rightstrack_core::Assessment>,
    actions: Vec<rightstrack_store::ActionRecord>,
}

/// A recommendation's implementation: its current status, the assessments of every
/// stakeholder side by side, and the actions serving it.
#[utoipa::path(get, path = "/api/v1/recommendations/{id}/implementation", tag = "tracking",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The recommendation's id")),
    responses((status = 200, description = "Status, assessments and actions", body = Object),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 404, response = NotFound),
        (status = 500, response = InternalError)))]
pub async fn implementation(
    State(app): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let id = RecommendationId(id);
    let rec = crate::records::visible(&app, &viewer, id).await?;
    let store = app.store.as_ref();
    Ok(Json(Implementation {
        status: store.statuses(&[id]).await?.into_iter().next(),
        assessments: store
            .assessments(rec.state)
            .await?
            .into_iter()
            .filter(|a| a.recommendation_id == id)
            .collect(),
        actions: store
            .actions(&ActionQuery {
                recommendation_id: Some(id),
                ..Default::default()
            })
            .await?,
    })
    .into_response())
}

/// An attachment of a progress report: to everyone if the report is public, otherwise to
/// signed-in users only. Always as a download, under its cleaned name, with the type its
/// bytes were found to have, so that it never runs as a page of this site.
pub async fn evidence(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let file = app
        .store
        .evidence(id)
        .await?
        .filter(|f| f.public || viewer.sees_drafts())
        .ok_or_else(|| ApiError::NotFound(format!("evidence {id}")))?;
    let name = rightstrack_core::evidence::sanitise_file_name(&file.info.file_name);
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                file.info.content_type.clone(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (
                axum::http::header::CACHE_CONTROL,
                "private, no-store".to_string(),
            ),
        ],
        file.bytes,
    )
        .into_response())
}
