//! The HTTP face of rightstrack: a JSON API under `/api/v1/` and server-rendered pages that
//! work without JavaScript. Handlers are thin: they parse the request into domain types,
//! call the [`Store`], and render. Pages speak the language [`i18n`] negotiates; the API
//! is described by the OpenAPI document [`api_document`].

mod admin;
mod api;
pub mod auth;
mod clusters;
mod error;
mod extract;
mod i18n;
mod imports;
mod metrics;
mod multipart;
mod openapi;
mod pages;
mod plans;
mod query;
mod records;
mod reports;
mod reprisals;
mod review;
mod routes;
mod schema;
mod search;
mod tracking;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::Router;
use rightstrack_auth::sealed::Key;
use rightstrack_core::Permission;
use rightstrack_search::SearchIndex;
use rightstrack_store::Store;

pub use error::ApiError;
pub use openapi::api_document;
pub use routes::RouteRule;

/// Request bodies larger than this are refused with 413 before a handler sees them.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// How the server is set up: things a deployment decides.
#[derive(Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure`: set when the site is served over HTTPS (directly or through
    /// a proxy), so that session cookies never travel in clear.
    pub secure_cookies: bool,
    /// Take the client's address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_proxy: bool,
    /// How long a sign-in lasts.
    pub session_hours: i64,
    /// The key of the reprisals register; without it the register is closed.
    pub reprisals_key: Option<Arc<Key>>,
    /// The state's UTC offset: due dates are its calendar dates (the overdue signal).
    pub time_zone_offset: time::UtcOffset,
    /// Months without activity after which a tracked recommendation is stalled (0: never).
    pub stalled_months: u32,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            trust_proxy: false,
            session_hours: 12,
            reprisals_key: None,
            time_zone_offset: time::UtcOffset::UTC,
            stalled_months: 6,
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Derived from the store; [`follow_store`] keeps it in step.
    pub search: Arc<SearchIndex>,
    pub config: Arc<WebConfig>,
    /// Sign-in attempts per client address.
    pub limiter: Arc<auth::SignInLimiter>,
    /// Uploads between their import preview and its confirmation.
    pub(crate) uploads: Arc<imports::Uploads>,
}

impl AppState {
    /// State over a store with the default configuration, with its search index built.
    pub async fn new(store: Arc<dyn Store>) -> Result<Self, rightstrack_search::SearchError> {
        Self::with_config(store, WebConfig::default()).await
    }

    pub async fn with_config(
        store: Arc<dyn Store>,
        config: WebConfig,
    ) -> Result<Self, rightstrack_search::SearchError> {
        let search = Arc::new(SearchIndex::in_memory()?);
        search.sync(store.as_ref()).await?;
        Ok(Self {
            store,
            search,
            config: Arc::new(config),
            limiter: Arc::new(auth::SignInLimiter::default()),
            uploads: Arc::new(imports::Uploads::default()),
        })
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

/// After a write succeeds, the search index of this process catches up before the answer
/// leaves, so whoever made a change (withdrawing a record from publication above all) sees
/// it in the next search instead of up to a [`follow_store`] tick later. Other processes on
/// the same database still follow within their tick.
async fn search_sees_own_writes(
    axum::extract::State(app): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let writes = !matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    let response = next.run(request).await;
    let succeeded = response.status().is_success() || response.status().is_redirection();
    if writes && succeeded {
        if let Err(e) = app.search.sync(app.store.as_ref()).await {
            tracing::warn!(error = %e, "search index update after a write failed; the next tick retries");
        }
    }
    response
}

/// Every route with the permission it needs: the one table the router is built from.
fn routes() -> routes::Routes {
    use Permission as P;
    routes::Routes::default()
        .get("/healthz", P::ReadPublished, api::healthz)
        .get("/readyz", P::ReadPublished, api::readyz)
        .get("/metrics", P::ReadAudit, metrics::serve)
        .get("/api/v1/openapi.json", P::ReadPublished, openapi::serve)
        .get(
            "/api/v1/recommendations",
            P::ReadPublished,
            api::list_recommendations,
        )
        .get(
            "/api/v1/recommendations/{id}",
            P::ReadPublished,
            api::get_recommendation,
        )
        .get("/api/v1/search", P::ReadPublished, search::api)
        .get("/api/v1/me", P::OwnAccount, auth::account::me)
        .get(
            "/api/v1/recommendations/{id}/history",
            P::ReadRegistry,
            records::history_api,
        )
        .post(
            "/api/v1/recommendations/{id}/publication",
            P::Publish,
            records::publication_api,
        )
        .post(
            "/api/v1/recommendations/{id}/status",
            P::UpdateAssigned,
            records::status_api,
        )
        .post(
            "/api/v1/recommendations/{id}/assessments",
            P::Assess,
            records::assessment_api,
        )
        .get(
            "/api/v1/institutions",
            P::ReadRegistry,
            tracking::institutions,
        )
        .post(
            "/api/v1/institutions",
            P::EditRegistry,
            tracking::create_institution,
        )
        .get(
            "/api/v1/institutions/{id}/dashboard",
            P::ReadRegistry,
            tracking::dashboard,
        )
        .get(
            "/api/v1/assignments",
            P::ReadRegistry,
            tracking::assignments,
        )
        .post("/api/v1/assignments", P::EditRegistry, tracking::assign)
        .get("/api/v1/actions", P::ReadRegistry, tracking::actions)
        .post("/api/v1/actions", P::EditRegistry, tracking::create_action)
        .get(
            "/api/v1/actions/{id}/indicators",
            P::ReadRegistry,
            tracking::indicators,
        )
        .post(
            "/api/v1/actions/{id}/indicators",
            P::UpdateAssigned,
            tracking::add_indicator,
        )
        .post_large(
            "/api/v1/actions/{id}/indicators/{indicator}/progress",
            P::UpdateAssigned,
            tracking::report_progress,
            tracking::PROGRESS_BODY_BYTES,
        )
        .get("/evidence/{id}", P::ReadPublished, tracking::evidence)
        .get(
            "/api/v1/recommendations/{id}/implementation",
            P::ReadRegistry,
            tracking::implementation,
        )
        .get(
            "/api/v1/states/{code}/signals",
            P::ReadRegistry,
            tracking::state_signals,
        )
        .get(
            "/api/v1/states/{code}/clusters",
            P::ReadPublished,
            clusters::api_clusters,
        )
        .get(
            "/api/v1/recommendations/{id}/links",
            P::ReadPublished,
            clusters::api_links,
        )
        .post(
            "/api/v1/clusters/{id}/title",
            P::EditRegistry,
            clusters::rename,
        )
        .post(
            "/api/v1/clusters/{id}/members",
            P::EditRegistry,
            clusters::member,
        )
        .post(
            "/api/v1/clusters/{id}/move",
            P::EditRegistry,
            clusters::move_members,
        )
        .post("/api/v1/links/decision", P::EditRegistry, clusters::decide)
        .post("/links/decision", P::EditRegistry, clusters::decide_form)
        .post(
            "/states/{code}/clusters/{id}/title",
            P::EditRegistry,
            clusters::rename_form,
        )
        .post(
            "/states/{code}/clusters/{id}/move",
            P::EditRegistry,
            clusters::move_form,
        )
        .get("/states/{code}/clusters", P::ReadPublished, clusters::page)
        .get(
            "/states/{code}/clusters/{id}",
            P::ReadPublished,
            plans::cluster_plan,
        )
        .get(
            "/states/{code}/signals",
            P::ReadRegistry,
            plans::signals_page,
        )
        .get(
            "/states/{code}/plan/export",
            P::ReadRegistry,
            plans::plan_export,
        )
        .get("/institutions", P::ReadRegistry, plans::institutions)
        .get("/institutions/{id}", P::ReadRegistry, plans::institution)
        .get("/assignments/new", P::EditRegistry, plans::assign_page)
        .post("/assignments", P::EditRegistry, plans::assign_form)
        .get("/actions/new", P::EditRegistry, plans::action_page)
        .post("/actions", P::EditRegistry, plans::action_form)
        .get(
            "/states/{code}/dashboard",
            P::ReadPublished,
            reports::public_dashboard,
        )
        .get(
            "/states/{code}/dashboard/internal",
            P::ReadRegistry,
            reports::internal_dashboard,
        )
        .get("/reports", P::ReadPublished, reports::page)
        .get("/reports/download", P::ReadPublished, reports::download)
        .get("/", P::ReadPublished, pages::home)
        .get("/static/style.css", P::ReadPublished, pages::stylesheet)
        .get("/recommendations", P::ReadPublished, search::page)
        .get("/recommendations/export", P::ReadPublished, search::export)
        .get("/recommendations/{id}", P::ReadPublished, pages::detail)
        .post(
            "/recommendations/{id}/publication",
            P::Publish,
            records::publication_form,
        )
        .post(
            "/recommendations/{id}/status",
            P::UpdateAssigned,
            records::status_form,
        )
        .post(
            "/recommendations/{id}/assessments",
            P::Assess,
            records::assessment_form,
        )
        .get("/states/{code}", P::ReadPublished, pages::state)
        .get("/import", P::EditRegistry, imports::page)
        .post_large(
            "/import/preview",
            P::EditRegistry,
            imports::preview,
            imports::UPLOAD_BODY_BYTES,
        )
        .post("/import/confirm", P::EditRegistry, imports::confirm)
        .get("/review", P::EditRegistry, review::page)
        .post("/review", P::EditRegistry, review::decide_form)
        .get("/api/v1/suggestions", P::EditRegistry, review::list_api)
        .post(
            "/api/v1/suggestions/decisions",
            P::EditRegistry,
            review::decide_api,
        )
        .get("/sign-in", P::ReadPublished, auth::account::sign_in_page)
        .post("/sign-in", P::ReadPublished, auth::account::sign_in)
        .post("/sign-out", P::OwnAccount, auth::account::sign_out)
        .get("/account", P::OwnAccount, auth::account::account)
        .post(
            "/account/password",
            P::OwnAccount,
            auth::account::change_password,
        )
        .post("/account/totp", P::OwnAccount, auth::account::totp_setup)
        .post(
            "/account/totp/disable",
            P::OwnAccount,
            auth::account::totp_disable,
        )
        .post(
            "/account/tokens",
            P::OwnAccount,
            auth::account::create_token,
        )
        .post(
            "/account/tokens/{id}/revoke",
            P::OwnAccount,
            auth::account::revoke_token,
        )
        .get("/admin/users", P::ManageUsers, admin::users)
        .post("/admin/users", P::ManageUsers, admin::create_user)
        .post("/admin/users/{id}", P::ManageUsers, admin::update_user)
        .get("/admin/audit", P::ReadAudit, admin::audit)
        .get("/admin/audit/export", P::ReadAudit, admin::audit_export)
        .get("/reprisals", P::Reprisals, reprisals::register)
        .post("/reprisals", P::Reprisals, reprisals::create)
        .get("/reprisals/summary", P::ReadPublished, reprisals::summary)
        .post(
            "/reprisals/summary",
            P::Reprisals,
            reprisals::publish_summary,
        )
        .get("/reprisals/{id}", P::Reprisals, reprisals::case)
        .post("/reprisals/{id}", P::Reprisals, reprisals::update)
}

/// Every route of the application with the permission it needs, for the authorization
/// matrix test and for documentation.
pub fn route_table() -> Vec<RouteRule> {
    routes().finish().1
}

/// The whole application, ready to serve.
pub fn router(state: AppState) -> Router {
    let (router, _) = routes().finish();
    router
        .fallback(pages::not_found)
        .layer(from_fn_with_state(state.clone(), search_sees_own_writes))
        .layer(from_fn_with_state(state.clone(), auth::authenticate))
        .layer(from_fn(i18n::negotiate))
        .layer(from_fn(auth::security_headers))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(from_fn(metrics::track))
        .with_state(state)
}
