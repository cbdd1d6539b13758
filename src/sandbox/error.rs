//! The emulator's error answers, in Atelio's documented shape (docs/reference/atelio-api.md §5.4):
//! `{"Message", "Status", "Code", "Type"}` with capitalised keys. `Message` is a string, or a
//! field → messages map for schema errors (as the create-customer example shows).
use axum::{
    Json,
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

/// One error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: Value,
    pub kind: &'static str,
    pub retry_after_s: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: Value) -> ApiError {
        let kind = if status.is_server_error() {
            "Server Error"
        } else {
            "Request Error"
        };
        ApiError {
            status,
            code,
            message,
            kind,
            retry_after_s: None,
        }
    }

    /// 400 with a field → messages map (`{"last_name": ["Missing data for required field."]}`).
    pub fn schema(code: &'static str, fields: serde_json::Map<String, Value>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, Value::Object(fields))
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, Value::String(message.into()))
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, Value::String(message.into()))
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code, Value::String(message.into()))
    }

    pub fn unauthorized() -> ApiError {
        let message = "Unauthorized: the Identity and Authorization headers do not match a key";
        ApiError::new(StatusCode::UNAUTHORIZED, "auth_err", json!(message))
    }

    /// The invented 429 (Atelio documents no body): code `rate_limited` and `Retry-After`.
    pub fn rate_limited(limit_per_min: u32, retry_after_s: u64) -> ApiError {
        let message = format!("Rate limit exceeded: {limit_per_min} calls per minute");
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            json!(message),
        );
        e.retry_after_s = Some(retry_after_s.max(1));
        e
    }

    /// An injected fault with the given status.
    pub fn injected(status: StatusCode) -> ApiError {
        ApiError::new(status, "server_error", json!("Injected sandbox fault"))
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        json!({
            "Message": self.message,
            "Status": self.status.as_u16(),
            "Code": self.code,
            "Type": self.kind,
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, Json(self.body())).into_response();
        if let Some(s) = self.retry_after_s {
            let value = HeaderValue::from(s);
            resp.headers_mut().insert("retry-after", value);
        }
        resp
    }
}

/// A handler's result.
pub type ApiResult = Result<Response, ApiError>;
