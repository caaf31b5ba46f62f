//! The API's one error shape: `{"error": {"code", "message", "field"}}`, with stable
//! codes and the HTTP status that goes with them. Never a page, never internal text.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(scope: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            format!("This key lacks the `{scope}` scope."),
        )
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("No such {what}."),
        )
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError {
            field: Some(field.to_string()),
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("Too many requests for this key; retry in {retry_after} s."),
            )
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut r = HttpResponse::build(self.status);
        if let Some(after) = self.retry_after {
            r.insert_header((header::RETRY_AFTER, after.to_string()));
        }
        r.json(serde_json::json!({"error": {
            "code": self.code,
            "message": self.message,
            "field": self.field,
        }}))
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => ApiError::not_found("resource"),
            AppError::BadRequest(m) => ApiError::new(StatusCode::BAD_REQUEST, "bad_request", m),
            AppError::RateLimited { retry_after_secs } => ApiError::rate_limited(retry_after_secs),
            other => {
                tracing::error!(error = %other, "API request failed");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Something went wrong on our side; try again.",
                )
            }
        }
    }
}

/// A body or query the server could not read: 422 with what to fix, never parser text
/// beyond the field's name.
pub fn unreadable(detail: &str) -> ApiError {
    // serde's messages name the field in backquotes: keep only that.
    let field = detail
        .split('`')
        .nth(1)
        .map(str::to_string)
        .unwrap_or_default();
    let message = if detail.contains("unknown field") {
        format!("Unknown field `{field}`.")
    } else if detail.contains("missing field") {
        format!("Missing field `{field}`.")
    } else {
        "The body is not the JSON this endpoint takes.".to_string()
    };
    ApiError {
        field: (!field.is_empty()).then_some(field),
        ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }
}
