//! The HTTP client for Atelio: sends one `UpstreamRequest` with the credentials, the
//! Idempotency-Key and a timeout bounded by the call's deadline, and classifies the outcome.
//! Redirects are never followed (a redirect is an error naming the location's host, never a
//! resend of credentials and personal data elsewhere), and a response body is read only up to
//! `upstream.max_response_bytes`. Bodies, headers and credentials are never logged.
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, LOCATION, RETRY_AFTER};

use super::{UpstreamError, UpstreamRequest, atelio_error};
use crate::atelio_json as lenient;
use crate::{
    config::{Credentials, UpstreamConfig},
    deadline::Deadline,
};

/// A 2xx answer from Atelio.
#[derive(Debug)]
pub struct UpstreamResponse {
    /// HTTP status.
    pub status: u16,
    /// Raw body.
    pub body: Bytes,
}

impl UpstreamResponse {
    /// The body as JSON, tolerating Atelio's documented syntax slips.
    pub fn json(&self) -> Result<serde_json::Value, UpstreamError> {
        lenient::parse_body(&self.body).map_err(UpstreamError::Decode)
    }
}

/// Talks to one Atelio base URL with one set of credentials.
#[derive(Clone)]
pub struct AtelioClient {
    http: reqwest::Client,
    base: String,
    attempt_timeout: Duration,
    max_body: usize,
}

impl AtelioClient {
    /// Builds the client; the credentials become default headers marked sensitive.
    pub fn new(cfg: &UpstreamConfig, creds: &Credentials) -> Result<Self, String> {
        // rustls needs a process-wide crypto provider; installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut headers = HeaderMap::new();
        headers.insert("identity", sensitive(creds.identity.expose())?);
        headers.insert("authorization", sensitive(creds.authorization.expose())?);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(cfg.connect_timeout())
            .user_agent(concat!("atelio-gateway/", env!("CARGO_PKG_VERSION")))
            .pool_idle_timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(AtelioClient {
            http,
            base: cfg.base_url.trim_end_matches('/').to_string(),
            attempt_timeout: cfg.attempt_timeout(),
            max_body: cfg.max_response_bytes,
        })
    }

    /// Sends one attempt. Non-2xx answers become `UpstreamError::Rejected`.
    pub async fn send(
        &self,
        req: &UpstreamRequest,
        deadline: Deadline,
    ) -> Result<UpstreamResponse, UpstreamError> {
        let timeout = self.attempt_timeout.min(deadline.remaining());
        if timeout.is_zero() {
            return Err(UpstreamError::DeadlineExceeded);
        }
        let started = Instant::now();
        let result = self.build(req, timeout).send().await;
        let outcome = match result {
            Ok(resp) => read(resp, self.max_body).await,
            Err(e) => Err(classify(&e)),
        };
        log_attempt(req, &outcome, started.elapsed());
        outcome
    }

    fn build(&self, req: &UpstreamRequest, timeout: Duration) -> reqwest::RequestBuilder {
        let url = format!("{}{}", self.base, req.path);
        let mut b = self.http.request(req.method.clone(), url).timeout(timeout);
        if !req.query.is_empty() {
            b = b.query(&req.query);
        }
        if let Some(key) = &req.idempotency_key {
            b = b.header("idempotency-key", key);
        }
        let mut trace = HeaderMap::new();
        crate::telemetry::inject(&mut trace);
        b = b.headers(trace);
        if let Some(body) = &req.body {
            b = b.header(CONTENT_TYPE, "application/json").json(body);
        }
        b
    }
}

fn sensitive(value: &str) -> Result<HeaderValue, String> {
    let mut v = HeaderValue::from_str(value)
        .map_err(|_| "a credential contains characters not allowed in a header".to_string())?;
    v.set_sensitive(true);
    Ok(v)
}

async fn read(resp: reqwest::Response, max_body: usize) -> Result<UpstreamResponse, UpstreamError> {
    let status = resp.status().as_u16();
    if (300..400).contains(&status) {
        let host = location_host(resp.headers());
        return Err(UpstreamError::Redirected { status, host });
    }
    let retry_after = resp
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let body = capped(resp, max_body).await?;
    if (200..300).contains(&status) {
        let too_large = || UpstreamError::Decode(format!("response larger than {max_body} bytes"));
        return Ok(UpstreamResponse {
            status,
            body: body.ok_or_else(too_large)?,
        });
    }
    let body = body.unwrap_or_default();
    Err(UpstreamError::Rejected {
        status,
        error: Box::new(atelio_error::parse_error_body(&body)),
        retry_after,
    })
}

/// The host a redirect's `Location` names ("" when absent, relative or unparseable).
fn location_host(headers: &HeaderMap) -> String {
    let location = headers.get(LOCATION).and_then(|v| v.to_str().ok());
    location
        .and_then(|l| url::Url::parse(l).ok())
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The body, or `None` once it would pass `limit` bytes (the rest is not read).
async fn capped(mut resp: reqwest::Response, limit: usize) -> Result<Option<Bytes>, UpstreamError> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Ok(None);
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| classify(&e))? {
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body.freeze()))
}

/// `Retry-After` as delta-seconds (the HTTP-date form is not used by Atelio's emulator and is
/// ignored).
pub fn parse_retry_after(raw: &str) -> Option<Duration> {
    raw.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn classify(e: &reqwest::Error) -> UpstreamError {
    if e.is_timeout() {
        UpstreamError::Timeout
    } else if e.is_connect() {
        UpstreamError::Connect
    } else {
        UpstreamError::Transport
    }
}

fn log_attempt(
    req: &UpstreamRequest,
    outcome: &Result<UpstreamResponse, UpstreamError>,
    elapsed: Duration,
) {
    let ms = elapsed.as_secs_f64() * 1000.0;
    match outcome {
        Ok(r) => {
            tracing::debug!(route = req.route, method = %req.method, status = r.status, elapsed_ms = ms, "upstream call")
        }
        Err(e) => {
            tracing::info!(route = req.route, method = %req.method, status = e.status(), code = e.code(), elapsed_ms = ms, error = %e, "upstream call failed")
        }
    }
}
