//! One error type for the whole server, and how each variant answers over HTTP.
//!
//! Client errors carry a short, safe reason that is sent back. Internal errors are logged once
//! (without message contents or keys) and answered with a bare 500; remote input must never be
//! able to cause one.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 400: the input is malformed or inconsistent.
    #[error("{0}")]
    BadRequest(String),
    /// 401: the request is unsigned, or its signature cannot be verified.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: verified, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// 404.
    #[error("not found")]
    NotFound,
    /// 406: the client accepts no representation we have.
    #[error("not acceptable")]
    NotAcceptable,
    /// 409: the activity was already processed; nothing changed.
    #[error("{0}")]
    Conflict(String),
    /// 413: the body is larger than we accept.
    #[error("body too large")]
    PayloadTooLarge,
    /// 429: too many activities; try again after this many seconds.
    #[error("too many requests; retry in {0} s")]
    TooManyRequests(u64),
    /// 422: a request that is well-formed but cannot be done (a taken name, say).
    #[error("{0}")]
    Unprocessable(String),
    /// 422: input that fails validation, with one message per field.
    #[error("invalid input: {}", describe_fields(.0))]
    Invalid(Vec<FieldError>),
    /// 500, logged.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// 500, logged.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What is wrong with one field of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> FieldError {
        FieldError {
            field,
            message: message.into(),
        }
    }
}

fn describe_fields(fields: &[FieldError]) -> String {
    fields
        .iter()
        .map(|f| format!("{}: {}", f.field, f.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::Unprocessable(_) | Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Database(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// True when a database error is a unique-constraint violation (a taken name).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Error::Database(sqlx::Error::Database(err)) if err.is_unique_violation())
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if let Error::Invalid(fields) = &self {
            let fields: serde_json::Map<String, serde_json::Value> = fields
                .iter()
                .map(|f| (f.field.to_string(), json!(f.message)))
                .collect();
            return (
                status,
                Json(json!({ "error": "invalid input", "fields": fields })),
            )
                .into_response();
        }
        if let Error::TooManyRequests(seconds) = &self {
            let mut response = (status, Json(json!({ "error": self.to_string() }))).into_response();
            if let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string()) {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, value);
            }
            return response;
        }
        let reason = if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
            "internal error".to_string()
        } else {
            self.to_string()
        };
        (status, Json(json!({ "error": reason }))).into_response()
    }
}

/// Errors of activitypub_federation arise from remote input (fetches, signatures, parsing): each
/// becomes a client error with a short reason, never a 500.
impl From<activitypub_federation::error::Error> for Error {
    fn from(err: activitypub_federation::error::Error) -> Self {
        use activitypub_federation::error::Error as Lib;
        match err {
            Lib::ParseReceivedActivity { .. } => {
                Error::BadRequest("activity does not match its type".into())
            }
            Lib::UrlVerificationError(reason) => {
                Error::BadRequest(format!("url refused: {reason}"))
            }
            Lib::ActivityBodyDigestInvalid => {
                Error::Unauthorized("digest does not match the body".into())
            }
            Lib::ActivitySignatureInvalid => Error::Unauthorized("signature is invalid".into()),
            Lib::NotFound | Lib::ObjectDeleted(_) => {
                Error::Unauthorized("signing actor is not available".into())
            }
            Lib::Other(_) => Error::Unauthorized("signature could not be verified".into()),
            _ => Error::Unauthorized("signing actor could not be fetched and verified".into()),
        }
    }
}
