//! The OpenAPI 3.1 document of the JSON API, served at `/api/v1/openapi.json`.
//!
//! It is generated from the code: the handlers' `#[utoipa::path]` annotations, the response
//! types' `ToSchema` derives, the query parsers' `IntoParams`, and [`crate::schema`] for the
//! domain types of other crates. `tests/openapi.json` is a snapshot of it, so a change to
//! the API shows in review.

use axum::Json;
use utoipa::OpenApi;

use crate::{api, error, schema, search};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "rightstrack API",
        description = "UN human rights recommendations: list, search with facets, and one record. \
            Errors are `{\"error\": \"…\"}` with status 400 (a parameter the message names), \
            404 (no such record) or 500 (the server failed; details are in its log)."
    ),
    paths(
        api::list_recommendations,
        api::get_recommendation,
        search::api,
        serve,
        api::healthz,
        api::readyz,
    ),
    components(
        schemas(schema::SourceDocumentSchema, schema::TagSchema, error::ErrorBody),
        responses(error::BadRequest, error::NotFound, error::InternalError),
    ),
    tags(
        (name = "recommendations", description = "Recommendations and their search"),
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
