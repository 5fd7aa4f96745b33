//! The OpenAPI 3.1 document of the JSON API, served at `/api/v1/openapi.json`.
//!
//! It is generated from the code: the handlers' `#[utoipa::path]` annotations, the response
//! types' `ToSchema` derives, the query parsers' `IntoParams`, and [`crate::schema`] for the
//! domain types of other crates. `tests/openapi.json` is a snapshot of it, so a change to
//! the API shows in review.

use axum::Json;
use utoipa::OpenApi;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::Modify;

use crate::{api, auth, clusters, error, records, review, schema, search, tracking};

/// Declares the bearer token the API takes (an API token made on the account page).
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "token",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(
                            "An API token from the account page (`rt_…`), sent as `Authorization: Bearer rt_…`. \
                             Read-only tokens cannot change anything. Without a token the API shows published records only.",
                        ))
                        .build(),
                ),
            );
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "rightstrack API",
        description = "UN human rights recommendations: list, search with facets, and one record; \
            publication, implementation status and assessments for signed-in roles. \
            Without a token only published records are visible. \
            Errors are `{\"error\": \"…\"}` with status 400 (a parameter the message names), \
            401 (no or bad token), 403 (the role does not allow it), 404 (no such record) \
            or 500 (the server failed; details are in its log)."
    ),
    modifiers(&BearerToken),
    paths(
        api::list_recommendations,
        api::get_recommendation,
        search::api,
        auth::account::me,
        records::history_api,
        records::publication_api,
        records::status_api,
        records::assessment_api,
        clusters::api_clusters,
        clusters::api_links,
        clusters::rename,
        clusters::member,
        clusters::move_members,
        clusters::decide,
        tracking::institutions,
        tracking::create_institution,
        tracking::dashboard,
        tracking::assignments,
        tracking::assign,
        tracking::actions,
        tracking::create_action,
        tracking::indicators,
        tracking::add_indicator,
        tracking::report_progress,
        tracking::implementation,
        tracking::state_signals,
        review::list_api,
        review::decide_api,
        serve,
        api::healthz,
        api::readyz,
    ),
    components(
        schemas(schema::SourceDocumentSchema, schema::TagSchema, error::ErrorBody),
        responses(
            error::BadRequest,
            error::NotFound,
            error::InternalError,
            error::Unauthorized,
            error::Forbidden
        ),
    ),
    tags(
        (name = "recommendations", description = "Recommendations and their search"),
        (name = "tracking", description = "Publication, implementation status and assessments"),
        (name = "accounts", description = "The account a request is made as"),
        (name = "clusters", description = "Clusters of overlapping recommendations and cross-cycle links"),
        (name = "review", description = "Model suggestions waiting for a person's decision"),
        (name = "meta", description = "This document"),
        (name = "operations", description = "Probes for process supervisors"),
    )
)]
struct ApiDoc;

/// The API's OpenAPI document.
pub fn api_document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// This document: the API described in OpenAPI 3.1.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object)))]
pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(api_document())
}
