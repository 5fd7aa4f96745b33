//! Changes to one recommendation — publication, implementation status, assessments — and
//! its history, as forms for the pages and as JSON for the API. Route permissions decide
//! who may try; [`policy`] decides, for scoped roles, whether this record is theirs.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use rightstrack_core::{ImplementationStatus, Recommendation, RecommendationId, Role};
use rightstrack_store::accounts::AuditFilter;
use rightstrack_store::{NewAssessment, RecommendationFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{local_redirect, Viewer};
use crate::error::{BadRequest, Forbidden, InternalError, NotFound, Unauthorized};
use crate::extract::{ApiJson, ApiPath};
use crate::i18n::Ui;
use crate::{ApiError, AppState};

/// Longest justification or assessment text accepted.
const MAX_TEXT: usize = 20_000;

/// The record, if the viewer may see it: drafts are hidden from the public as if absent.
pub async fn visible(
    app: &AppState,
    viewer: &Viewer,
    id: RecommendationId,
) -> Result<Recommendation, ApiError> {
    match app.store.recommendation(id).await? {
        Some(r) if r.published || viewer.sees_drafts() => Ok(r),
        _ => Err(ApiError::NotFound(format!("recommendation {id}"))),
    }
}

/// Object-level rules, on top of the route's permission.
mod policy {
    use super::*;

    /// A focal point updates only what is assigned to their institution; coordinators and
    /// administrators update anything.
    pub async fn may_update(
        app: &AppState,
        viewer: &Viewer,
        id: RecommendationId,
    ) -> Result<(), ApiError> {
        let user = viewer.user()?;
        if user.role != Role::FocalPoint {
            return Ok(());
        }
        let assigned = app.store.institutions_assigned(id).await?;
        match user.institution_id {
            Some(own) if assigned.contains(&own) => Ok(()),
            _ => Err(ApiError::Forbidden(format!(
                "recommendation {id} is not assigned to your institution"
            ))),
        }
    }

    /// An assessment speaks for the user's own organisation only; observers need one.
    pub fn assessor(
        viewer: &Viewer,
        claimed_institution: Option<i64>,
    ) -> Result<(rightstrack_core::StakeholderKind, Option<i64>), ApiError> {
        let user = viewer.user()?;
        let stakeholder = user
            .role
            .stakeholder()
            .ok_or_else(|| ApiError::Forbidden("your role does not write assessments".into()))?;
        if user.role != Role::Coordinator && user.institution_id.is_none() {
            return Err(ApiError::Forbidden(
                "your account is not attached to an organisation; ask an administrator".into(),
            ));
        }
        if claimed_institution.is_some_and(|c| Some(c) != user.institution_id) {
            return Err(ApiError::Forbidden(
                "an assessment can only be written for your own organisation".into(),
            ));
        }
        Ok((stakeholder, user.institution_id))
    }
}

fn checked_text(text: &str, what: &str, required: bool) -> Result<String, ApiError> {
    let text = text.trim();
    if required && text.is_empty() {
        return Err(ApiError::BadRequest(format!("{what}: required")));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(ApiError::BadRequest(format!(
            "{what}: at most {MAX_TEXT} characters"
        )));
    }
    Ok(text.to_string())
}

fn parse_status(s: &str) -> Result<ImplementationStatus, ApiError> {
    ImplementationStatus::parse(s).map_err(|e| ApiError::BadRequest(format!("status: {e}")))
}

async fn publish(
    app: &AppState,
    viewer: &Viewer,
    id: RecommendationId,
    published: bool,
) -> Result<(), ApiError> {
    visible(app, viewer, id).await?;
    let filter = RecommendationFilter {
        id: Some(id),
        ..Default::default()
    };
    app.store
        .publish(viewer.actor(), &filter, published)
        .await?;
    Ok(())
}

async fn set_status(
    app: &AppState,
    viewer: &Viewer,
    id: RecommendationId,
    status: &str,
    justification: &str,
) -> Result<(), ApiError> {
    visible(app, viewer, id).await?;
    policy::may_update(app, viewer, id).await?;
    let status = parse_status(status)?;
    let justification = checked_text(justification, "justification", true)?;
    app.store
        .set_status(viewer.actor(), id, status, &justification)
        .await?;
    Ok(())
}

async fn assess(
    app: &AppState,
    viewer: &Viewer,
    id: RecommendationId,
    form: &AssessmentRequest,
) -> Result<i64, ApiError> {
    visible(app, viewer, id).await?;
    let (stakeholder, institution_id) = policy::assessor(viewer, form.institution_id)?;
    let status = parse_status(&form.status)?;
    let text = checked_text(&form.text, "text", true)?;
    Ok(app
        .store
        .add_assessment(
            viewer.actor(),
            NewAssessment {
                recommendation_id: id,
                stakeholder,
                institution_id,
                status,
                text,
                evidence: form
                    .evidence
                    .as_deref()
                    .map(|e| checked_text(e, "evidence", false))
                    .transpose()?
                    .filter(|e| !e.is_empty()),
                author: viewer.actor().to_string(),
            },
        )
        .await?)
}

/// Page forms answer with the record's page again, or an error page.
fn back_to(id: i64, result: Result<(), ApiError>, ui: Ui) -> Response {
    match result {
        Ok(()) => local_redirect(&format!("/recommendations/{id}")),
        Err(e) => e.page(ui),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct PublicationRequest {
    /// `true` to publish, `false` to withdraw to draft.
    published: bool,
}

#[derive(Deserialize)]
pub struct PublicationForm {
    published: String,
}

pub async fn publication_form(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<PublicationForm>,
) -> Response {
    let result = async {
        let published = match form.published.as_str() {
            "yes" => true,
            "no" => false,
            other => {
                return Err(ApiError::BadRequest(format!(
                    "published: {other:?}, expected yes or no"
                )))
            }
        };
        publish(&app, &viewer, RecommendationId(id), published).await
    }
    .await;
    back_to(id, result, ui)
}

/// Publish a recommendation, or withdraw it to draft (coordinators).
#[utoipa::path(post, path = "/api/v1/recommendations/{id}/publication", tag = "tracking",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The recommendation's id")),
    request_body = PublicationRequest,
    responses(
        (status = 204, description = "Done"),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound),
        (status = 500, response = InternalError),
    ))]
pub async fn publication_api(
    State(app): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PublicationRequest>,
) -> Result<Response, ApiError> {
    publish(&app, &viewer, RecommendationId(id), body.published).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct StatusRequest {
    /// not_started, in_progress, partially_implemented, fully_implemented or no_information.
    status: String,
    /// Why: the evidence for the new status.
    justification: String,
}

pub async fn status_form(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<StatusRequest>,
) -> Response {
    let result = set_status(
        &app,
        &viewer,
        RecommendationId(id),
        &form.status,
        &form.justification,
    )
    .await;
    back_to(id, result, ui)
}

/// Record a recommendation's implementation status (coordinators, and focal points for
/// what is assigned to their institution).
#[utoipa::path(post, path = "/api/v1/recommendations/{id}/status", tag = "tracking",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The recommendation's id")),
    request_body = StatusRequest,
    responses(
        (status = 204, description = "Recorded"),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound),
        (status = 500, response = InternalError),
    ))]
pub async fn status_api(
    State(app): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<StatusRequest>,
) -> Result<Response, ApiError> {
    set_status(
        &app,
        &viewer,
        RecommendationId(id),
        &body.status,
        &body.justification,
    )
    .await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct AssessmentRequest {
    /// The assessed implementation status.
    status: String,
    /// The assessment and its evidence.
    text: String,
    /// Where the evidence can be found: a link or a citation.
    #[serde(default)]
    evidence: Option<String>,
    /// Must be the user's own organisation if given.
    #[serde(default)]
    institution_id: Option<i64>,
}

/// The id of what a request created.
#[derive(Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

impl Created {
    pub fn new(id: i64) -> Self {
        Self { id }
    }
}

pub async fn assessment_form(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<AssessmentRequest>,
) -> Response {
    let result = assess(&app, &viewer, RecommendationId(id), &form)
        .await
        .map(|_| ());
    back_to(id, result, ui)
}

/// Add one's own organisation's assessment of a recommendation's implementation.
#[utoipa::path(post, path = "/api/v1/recommendations/{id}/assessments", tag = "tracking",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The recommendation's id")),
    request_body = AssessmentRequest,
    responses(
        (status = 201, description = "Recorded", body = Created),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound),
        (status = 500, response = InternalError),
    ))]
pub async fn assessment_api(
    State(app): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AssessmentRequest>,
) -> Result<Response, ApiError> {
    let created = assess(&app, &viewer, RecommendationId(id), &body).await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(Created { id: created }),
    )
        .into_response())
}

/// The changes to a recommendation, newest first, from the audit log.
pub async fn history(
    app: &AppState,
    id: RecommendationId,
) -> Result<Vec<rightstrack_core::AuditEntry>, ApiError> {
    let filter = AuditFilter {
        entity: Some("recommendation*".into()),
        entity_id: Some(id.to_string()),
        ..Default::default()
    };
    Ok(app.store.audit_log(&filter, 200, 0).await?.items)
}

/// A recommendation's history: who changed what, when (signed-in users).
#[utoipa::path(get, path = "/api/v1/recommendations/{id}/history", tag = "tracking",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The recommendation's id")),
    responses(
        (status = 200, description = "Audit entries, newest first", body = Vec<crate::schema::AuditEntrySchema>),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 404, response = NotFound),
        (status = 500, response = InternalError),
    ))]
pub async fn history_api(
    State(app): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<rightstrack_core::AuditEntry>>, ApiError> {
    let id = RecommendationId(id);
    visible(&app, &viewer, id).await?;
    Ok(Json(history(&app, id).await?))
}
