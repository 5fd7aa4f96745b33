//! Error policy. Handlers return typed errors; each maps to one status code and a message
//! the user can act on. Storage failures are logged in full and answered with a plain 500
//! that reveals nothing of the database.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rightstrack_store::StoreError;

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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        (
            status,
            Json(serde_json::json!({ "error": self.public_message() })),
        )
            .into_response()
    }
}
