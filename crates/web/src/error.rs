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
    #[error("internal error")]
    Internal(#[from] StoreError),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message shown to the client.
    pub fn public_message(&self) -> String {
        if let Self::Internal(e) = self {
            tracing::error!(error = %e, "request failed");
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
        (self.status(), Json(body)).into_response()
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

/// The server failed, for example its database; the details are in its log, not here.
#[derive(ToResponse)]
#[allow(dead_code)]
pub struct InternalError(ErrorBody);
