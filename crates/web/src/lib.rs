//! The HTTP face of rightstrack: a JSON API under `/api/v1/` and server-rendered pages that
//! work without JavaScript. Handlers are thin: they parse the request into domain types,
//! call the [`Store`], and render. Pages speak the language [`i18n`] negotiates; the API
//! is described by the OpenAPI document [`api_document`].

mod api;
mod error;
mod i18n;
mod metrics;
mod openapi;
mod pages;
mod query;
mod schema;
mod search;

use std::sync::Arc;

use axum::middleware::from_fn;
use axum::routing::get;
use axum::Router;
use rightstrack_search::SearchIndex;
use rightstrack_store::Store;

pub use error::ApiError;
pub use openapi::api_document;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Derived from the store; [`follow_store`] keeps it in step.
    pub search: Arc<SearchIndex>,
}

impl AppState {
    /// State over a store, with its search index built from it.
    pub async fn new(store: Arc<dyn Store>) -> Result<Self, rightstrack_search::SearchError> {
        let search = Arc::new(SearchIndex::in_memory()?);
        search.sync(store.as_ref()).await?;
        Ok(Self { store, search })
    }
}

/// Brings the search index up to date with the database every `every`, for as long as
/// the server runs: changes made through this process or any other on the same database
/// are found within that time.
pub fn follow_store(state: &AppState, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    let (store, search) = (state.store.clone(), state.search.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match search.sync(store.as_ref()).await {
                Ok(stats) if stats.indexed > 0 => {
                    tracing::info!(indexed = stats.indexed, "search index updated")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "search index update failed; retrying"),
            }
        }
    })
}

/// The whole application, ready to serve.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
        .route("/api/v1/recommendations", get(api::list_recommendations))
        .route("/api/v1/recommendations/{id}", get(api::get_recommendation))
        .route("/", get(pages::home))
        .route("/api/v1/search", get(search::api))
        .route("/api/v1/openapi.json", get(openapi::serve))
        .route("/recommendations", get(search::page))
        .route("/recommendations/export", get(search::export))
        .route("/recommendations/{id}", get(pages::detail))
        .route("/states/{code}", get(pages::state))
        .route("/static/style.css", get(pages::stylesheet))
        .route("/metrics", get(metrics::serve))
        .fallback(pages::not_found)
        .layer(from_fn(i18n::negotiate))
        .layer(from_fn(metrics::track))
        .with_state(state)
}
