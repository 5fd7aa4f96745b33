//! The JSON API, version 1.

use axum::extract::{Path, Query, State};
use axum::Json;
use rightstrack_core::{Recommendation, RecommendationId};
use rightstrack_store::Page;
use serde::Serialize;

use crate::query::ListParams;
use crate::{ApiError, AppState};

#[derive(Serialize)]
pub struct Health {
    status: &'static str,
}

/// The process is up.
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The process can serve: its database answers.
pub async fn readyz(State(app): State<AppState>) -> Result<Json<Health>, ApiError> {
    app.store.counts().await?;
    Ok(Json(Health { status: "ready" }))
}

#[derive(Serialize)]
pub struct RecommendationList {
    total: u64,
    page: u64,
    per_page: u32,
    items: Vec<Recommendation>,
}

/// `GET /api/v1/recommendations?state=SVN&cycle=2&position=supported&page=2&per_page=50`
pub async fn list_recommendations(
    State(app): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Json<RecommendationList>, ApiError> {
    let filter = params.filter()?;
    let page = params.page()?;
    let Page { total, items } = app.store.recommendations(&filter, page).await?;
    Ok(Json(RecommendationList {
        total,
        page: page.offset / u64::from(page.limit) + 1,
        per_page: page.limit,
        items,
    }))
}

/// `GET /api/v1/recommendations/{id}`
pub async fn get_recommendation(
    State(app): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Recommendation>, ApiError> {
    app.store
        .recommendation(RecommendationId(id))
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("recommendation {id}")))
}
