//! `AppError`: the one error type handlers return, and the JSON error envelope of SPEC §2.
//! Domain errors convert into it; a 500 hides its detail and is logged once.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Everything a request can fail with, each with a stable snake_case code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request could not be read (malformed JSON, bad query string).
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// 401: no valid operator token.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: a token without the needed role.
    #[error("this action needs the operator role")]
    Forbidden,
    /// 404: nothing there (or nothing the caller may know about).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 409: the request conflicts with the current state.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// 413: the body is too large.
    #[error("the request body is larger than 64 KiB")]
    PayloadTooLarge,
    /// 415: the body is not JSON.
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    /// 422: a field failed validation; the message names the field.
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    /// 429: too many requests; retry after this many seconds.
    #[error("too many requests, retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// 503: a dependency is unavailable.
    #[error("{message}")]
    Unavailable { code: &'static str, message: String },
    /// 500: a bug or an unexpected failure. The detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// A 422 naming `field`.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A 500 carrying a detail for the log only.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        AppError::Internal(detail.to_string())
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest { code, .. }
            | AppError::Conflict { code, .. }
            | AppError::Unavailable { code, .. } => code,
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::Validation { .. } => "validation_failed",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Internal(_) => "internal_error",
        }
    }
}

/// The error envelope `{"success": false, "error": {"code", "message", "field"?}}`.
pub fn envelope(code: &str, message: &str, field: Option<&str>) -> serde_json::Value {
    let mut error = json!({ "code": code, "message": message });
    if let (Some(field), Some(object)) = (field, error.as_object_mut()) {
        object.insert("field".to_owned(), json!(field));
    }
    json!({ "success": false, "error": error })
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match &self {
            AppError::Internal(detail) => {
                // Logged inside the request span, which carries the request id.
                tracing::error!(error = %detail, "request failed");
                envelope(self.code(), "something went wrong on our side", None)
            }
            AppError::Validation { field, .. } => {
                envelope(self.code(), &self.to_string(), Some(field))
            }
            _ => envelope(self.code(), &self.to_string(), None),
        };
        let mut response = (status, axum::Json(body)).into_response();
        let retry_after_secs = match self {
            AppError::RateLimited { retry_after_secs } => Some(retry_after_secs.max(1)),
            // Busy (the database, or the service at its limit): worth a retry soon.
            AppError::Unavailable { .. } => Some(1),
            _ => None,
        };
        if let Some(secs) = retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType,
            StatusCode::UNPROCESSABLE_ENTITY => {
                let text = rejection.body_text();
                // serde's message names the field, e.g. "missing field `phone` at line 1".
                let field = text
                    .split('`')
                    .nth(1)
                    .map(str::to_owned)
                    .unwrap_or_else(|| "body".to_owned());
                AppError::Validation {
                    field,
                    message: text
                        .trim_start_matches(
                            "Failed to deserialize the JSON body into the target type: ",
                        )
                        .to_owned(),
                }
            }
            _ => AppError::BadRequest {
                code: "malformed_json",
                message: "the body is not valid JSON".to_owned(),
            },
        }
    }
}

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        let text = rejection.body_text();
        let field = text
            .split('`')
            .nth(1)
            .map(str::to_owned)
            .unwrap_or_else(|| "query".to_owned());
        AppError::Validation {
            field,
            message: text
                .trim_start_matches("Failed to deserialize query string: ")
                .to_owned(),
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::PoolTimedOut => AppError::Unavailable {
                code: "database_busy",
                message: "the service is busy, please retry".to_owned(),
            },
            _ => AppError::internal(error),
        }
    }
}

/// A JSON body extractor whose rejections use the error envelope.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct ApiJson<T>(pub T);

/// A query-string extractor whose rejections use the error envelope.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct ApiQuery<T>(pub T);

/// Reads an optional JSON body: an empty body gives the default value.
pub fn optional_json<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        if e.is_data() {
            AppError::validation("body", e.to_string())
        } else {
            AppError::BadRequest {
                code: "malformed_json",
                message: "the body is not valid JSON".to_owned(),
            }
        }
    })
}

/// The success envelope `{"success": true, "data": …}`.
pub fn ok<T: serde::Serialize>(data: T) -> axum::Json<serde_json::Value> {
    axum::Json(json!({ "success": true, "data": data }))
}

/// Result type of handlers.
pub type ApiResult = Result<Response, AppError>;
