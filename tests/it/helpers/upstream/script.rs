//! The script half of [`super::FakeUpstream`]: what a request looked like
//! ([`Recorded`]), what to answer ([`Reply`]) and which answer comes next.

use std::time::Duration;

use axum::{
    body::{Body, Bytes},
    response::Response,
};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header::CONTENT_TYPE};
use serde_json::{Value, json};

/// One request as the fake received it. `path` is relative to `/api/v0.1`
/// (the full path if it lies outside it), still percent-encoded as sent.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    /// The body parsed as JSON; panics with the method, path and body if it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            let body = String::from_utf8_lossy(&self.body);
            panic!(
                "{} {}: body is not JSON ({e}): {body:?}",
                self.method, self.path
            )
        })
    }

    /// The header's values joined by ", ", looked up case-insensitively.
    pub fn header(&self, name: &str) -> Option<String> {
        let values: Vec<String> = (self.headers.get_all(name).iter())
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }

    /// The query string's pairs, percent- and `+`-decoded, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let query = self.query.as_deref().unwrap_or("");
        (query.split('&').filter(|p| !p.is_empty()))
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(k), decode(v))
            })
            .collect()
    }
}

fn decode(s: &str) -> String {
    let (mut out, b) = (Vec::with_capacity(s.len()), s.as_bytes());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => (out.push(byte), i += 3),
            (b'+', _) => (out.push(b' '), i += 1),
            (c, _) => (out.push(c), i += 1),
        };
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One scripted answer. `headers` come on top of the body's default
/// `content-type`, which a `content-type` header here replaces.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: ReplyBody,
    pub delay: Duration,
}

#[derive(Debug, Clone)]
pub enum ReplyBody {
    Json(Value),
    Text(String),
    Empty,
    /// closes the connection without an HTTP answer
    Drop,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply::new(status, ReplyBody::Json(body))
    }
    pub fn text(status: u16, body: &str) -> Reply {
        Reply::new(status, ReplyBody::Text(body.to_owned()))
    }
    pub fn empty(status: u16) -> Reply {
        Reply::new(status, ReplyBody::Empty)
    }
    /// Closes the connection without answering; `status` is unused (0).
    pub fn drop_connection() -> Reply {
        Reply::new(0, ReplyBody::Drop)
    }
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
    /// Waits this long (tokio time, so paused clocks apply) before answering or dropping.
    pub fn with_delay(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }

    fn new(status: u16, body: ReplyBody) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body,
            delay: Duration::ZERO,
        }
    }

    /// The HTTP answer, or why this reply can't be one.
    pub(super) fn response(&self) -> Result<Response, String> {
        let (body, default_type) = match &self.body {
            ReplyBody::Json(v) => (Body::from(v.to_string()), Some("application/json")),
            ReplyBody::Text(t) => (Body::from(t.clone()), Some("text/plain; charset=utf-8")),
            ReplyBody::Empty | ReplyBody::Drop => (Body::empty(), None),
        };
        let mut resp = Response::new(body);
        if !matches!(self.body, ReplyBody::Drop) {
            *resp.status_mut() = StatusCode::from_u16(self.status).map_err(|e| e.to_string())?;
        }
        if let Some(t) = default_type {
            resp.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(t));
        }
        for (i, (name, value)) in self.headers.iter().enumerate() {
            let name =
                HeaderName::from_bytes(name.as_bytes()).map_err(|e| format!("{name}: {e}"))?;
            let value = HeaderValue::from_str(value).map_err(|e| format!("{name}: {e}"))?;
            if self.headers[..i]
                .iter()
                .all(|(n, _)| !name.as_str().eq_ignore_ascii_case(n))
            {
                resp.headers_mut().remove(&name);
            }
            resp.headers_mut().append(name, value);
        }
        Ok(resp)
    }
}

struct Script {
    method: String,
    path: String,
    prefix: bool,
    replies: Vec<Reply>,
    next: usize,
}

/// Every scripted method and path (or prefix), with its replies and cursor.
#[derive(Default)]
pub(super) struct Scripts(Vec<Script>);

impl Scripts {
    /// Adds a script, replacing one for the same method and path; panics on a bad reply.
    pub(super) fn set(&mut self, method: &str, path: &str, prefix: bool, replies: Vec<Reply>) {
        assert!(
            !replies.is_empty(),
            "FakeUpstream: no replies scripted for {method} {path}"
        );
        for reply in &replies {
            if let Err(e) = reply.response() {
                panic!("FakeUpstream: bad reply for {method} {path}: {e}: {reply:?}");
            }
        }
        let (method, path) = (method.to_ascii_uppercase(), path.to_owned());
        self.0
            .retain(|s| (s.prefix, &s.method, &s.path) != (prefix, &method, &path));
        let script = Script {
            method,
            path,
            prefix,
            replies,
            next: 0,
        };
        self.0.push(script);
    }

    /// The reply for this request, advancing its script: an exact match wins, then the
    /// longest prefix; 599 if nothing matches.
    pub(super) fn next(&mut self, method: &str, path: &str) -> Reply {
        let matches = |s: &&mut Script| {
            let path_ok = if s.prefix {
                path.starts_with(&s.path)
            } else {
                path == s.path
            };
            path_ok && s.method.eq_ignore_ascii_case(method)
        };
        let best = (self.0.iter_mut().filter(matches)).max_by_key(|s| (!s.prefix, s.path.len()));
        let Some(script) = best else {
            return Reply::json(599, json!({"Message": "unscripted request", "Status": 599}));
        };
        let reply = script.replies[script.next.min(script.replies.len() - 1)].clone();
        script.next += 1;
        reply
    }
}
