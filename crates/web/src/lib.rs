//! The HTTP face of rightstrack: a JSON API under `/api/v1/` and server-rendered pages that
//! work without JavaScript. Handlers are thin: they parse the request into domain types,
//! call the [`Store`], and render.

mod api;
mod error;
mod pages;
mod query;

use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use rightstrack_store::Store;

pub use error::ApiError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
}

/// The whole application, ready to serve.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
        .route("/api/v1/recommendations", get(api::list_recommendations))
        .route("/api/v1/recommendations/{id}", get(api::get_recommendation))
        .route("/", get(pages::home))
        .route("/recommendations", get(pages::list))
        .route("/recommendations/{id}", get(pages::detail))
        .route("/states/{code}", get(pages::state))
        .route("/static/style.css", get(pages::stylesheet))
        .fallback(pages::not_found)
        .with_state(state)
}
