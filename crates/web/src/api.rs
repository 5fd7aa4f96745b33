//! The JSON API, version 1. Each handler carries its OpenAPI description; the document is
//! assembled in [`crate::openapi`].

use axum::extract::State;
use axum::Json;
use rightstrack_core::{Recommendation, RecommendationId};
use rightstrack_store::Page;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::error::{BadRequest, InternalError, NotFound};
use crate::extract::{ApiPath, ApiQuery};
use crate::query::ListParams;
use crate::schema::RecommendationSchema;
use crate::{ApiError, AppState};

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    status: &'static str,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Up: `{\"status\": \"ok\"}`", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The process can serve: its database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready: `{\"status\": \"ready\"}`", body = Health),
        (status = 500, response = InternalError),
    ))]
pub async fn readyz(State(app): State<AppState>) -> Result<Json<Health>, ApiError> {
    app.store.counts(false).await?;
    Ok(Json(Health { status: "ready" }))
}

/// One page of recommendations.
#[derive(Serialize, ToSchema)]
pub struct RecommendationList {
    /// Recommendations matching the filters, on every page.
    total: u64,
    page: u64,
    per_page: u32,
    #[schema(value_type = Vec<RecommendationSchema>)]
    items: Vec<Recommendation>,
}

/// List recommendations, filtered and paged, in the order they were stored.
///
/// `GET /api/v1/recommendations?state=SVN&cycle=2&position=supported&page=2&per_page=50`
#[utoipa::path(get, path = "/api/v1/recommendations", tag = "recommendations",
    params(ListParams),
    responses(
        (status = 200, description = "One page of recommendations", body = RecommendationList),
        (status = 400, response = BadRequest),
        (status = 500, response = InternalError),
    ))]
pub async fn list_recommendations(
    State(app): State<AppState>,
    viewer: Viewer,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<RecommendationList>, ApiError> {
    let mut filter = params.filter()?;
    filter.published_only |= !viewer.sees_drafts();
    let page = params.page()?;
    let Page { total, items } = app.store.recommendations(&filter, page).await?;
    Ok(Json(RecommendationList {
        total,
        page: page.offset / u64::from(page.limit) + 1,
        per_page: page.limit,
        items,
    }))
}

/// One recommendation.
///
/// `GET /api/v1/recommendations/{id}`
#[utoipa::path(get, path = "/api/v1/recommendations/{id}", tag = "recommendations",
    params(("id" = i64, Path, description = "The recommendation's id")),
    responses(
        (status = 200, description = "The recommendation", body = RecommendationSchema),
        (status = 400, response = BadRequest), (status = 404, response = NotFound),
        (status = 500, response = InternalError),
    ))]
pub async fn get_recommendation(
    State(app): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Recommendation>, ApiError> {
    crate::records::visible(&app, &viewer, RecommendationId(id))
        .await
        .map(Json)
}
