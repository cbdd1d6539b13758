//! A REST call to Atelio described as data: route name, method, path, query, JSON body and
//! Idempotency-Key. `upstream/routes/*` build these from validated domain commands; the client
//! sends them. `Debug` never shows the body (it carries PII).
use reqwest::Method;

/// One REST call to Atelio.
#[derive(Clone)]
pub struct UpstreamRequest {
    /// A stable name for logs and metrics, e.g. `customers.create`.
    pub route: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path relative to the base URL, starting with `/`.
    pub path: String,
    /// Query parameters, in order.
    pub query: Vec<(&'static str, String)>,
    /// JSON body, if any.
    pub body: Option<serde_json::Value>,
    /// `Idempotency-Key` header value (set on every POST).
    pub idempotency_key: Option<String>,
}

impl UpstreamRequest {
    /// A request without body or query.
    pub fn new(route: &'static str, method: Method, path: String) -> Self {
        UpstreamRequest {
            route,
            method,
            path,
            query: Vec::new(),
            body: None,
            idempotency_key: None,
        }
    }

    /// Adds a JSON body.
    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.query.push((key, value.into()));
        self
    }

    /// Sets the Idempotency-Key.
    pub fn idempotency_key(mut self, key: String) -> Self {
        self.idempotency_key = Some(key);
        self
    }
}

impl std::fmt::Debug for UpstreamRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamRequest")
            .field("route", &self.route)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("body", &self.body.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}
