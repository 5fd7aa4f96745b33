//! Error policy. Handlers return typed errors; each maps to one status code and a message
//! the user can act on. Storage failures are logged in full and answered with a plain 500
//! that reveals nothing of the database. The API answers [`ErrorBody`]; pages show the same
//! error as a page in the reader's language, its message (which names the input) in English.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rightstrack_store::StoreError;
use serde::Serialize;
use utoipa::{ToResponse, ToSchema};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0} not found")]
    NotFound(String),
    /// Not signed in, or the credentials given are not valid.
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in, but this is not the user's to see or change.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// A feature that needs configuration the server lacks.
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[from] StoreError),
    /// A failure of the server's own, logged in full; the client learns nothing of it.
    #[error("internal error")]
    Failed(String),
}

impl ApiError {
    /// A store error of a request that names what it changes: the store's refusal (invalid)
    /// is the client's 400, a missing target its 404, anything else ours.
    pub fn from_store_request(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(m) => Self::BadRequest(m),
            StoreError::NotFound(m) => Self::NotFound(m),
            other => other.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) | Self::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message shown to the client.
    pub fn public_message(&self) -> String {
        match self {
            Self::Internal(e) => tracing::error!(error = %e, "request failed"),
            Self::Failed(e) => tracing::error!(error = %e, "request failed"),
            _ => {}
        }
        self.to_string()
    }
}

/// The body of every API error.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"error": "parameter cycle: expected a UPR cycle number from 1 to 9"}))]
pub struct ErrorBody {
    /// What went wrong, naming the parameter or record concerned.
    error: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.public_message(),
        };
        let mut response = (self.status(), Json(body)).into_response();
        if matches!(self, Self::Unauthorized(_)) {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"rightstrack\""),
            );
        }
        response
    }
}

impl From<rightstrack_search::SearchError> for ApiError {
    fn from(e: rightstrack_search::SearchError) -> Self {
        match e {
            rightstrack_search::SearchError::BadQuery(m) => Self::BadRequest(m),
            other => Self::Failed(other.to_string()),
        }
    }
}

// The API's error responses, as its OpenAPI document describes them: one per status
// that [`ApiError::status`] gives. Never built; they only describe `ErrorBody` answers.

/// A parameter is unknown or malformed; the message names it and the values it takes.
#[derive(ToResponse)]
#[allow(dead_code)]
pub struct BadRequest(ErrorBody);

/// No record has this id.
#[derive(ToResponse)]
#[allow(dead_code)]
pub struct NotFound(ErrorBody);

/// Not signed in, or the token is not valid, revoked or expired.
#[derive(ToResponse)]
#[allow(dead_code)]
pub struct Unauthorized(ErrorBody);

/// The token's user or scope does not allow this.
#[derive(ToResponse)]
#[allow(dead_code)]
pub struct Forbidden(ErrorBody);

/// The server failed, for example its database; the details are in its log, not here.
#[derive(ToResponse)]
#[allow(dead_code)]
pub struct InternalError(ErrorBody);
