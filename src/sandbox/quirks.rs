//! Quirk modes: the documentation's inconsistencies (docs/reference/atelio-api.md §6), each switchable, so the
//! gateway's tolerance is tested against them. Off by default. Event quirks rewrite a webhook
//! payload before it is signed; response quirks rewrite an answer's JSON on the way out.
use std::sync::Arc;

use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use chrono::{FixedOffset, Utc};
use serde_json::{Value, json};

use super::Sandbox;

/// How `occurred_at` is written (§6 item 39).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TimestampStyle {
    /// `2021-10-17T11:25:37.369236+00:00`
    #[default]
    Offset,
    /// `2021-02-02-00:50:58.484840+00:00` (hyphen instead of `T`)
    Hyphen,
    /// `2020-10-26T21:48:57.287919` (no zone)
    NoZone,
    /// `2019-08-24T14:15:22Z`
    Zulu,
    /// `2019-08-24T14:15:22.000Z`
    ZuluMillis,
    /// `2021-02-11 12:01:36.122456-08` (space, short offset)
    SpaceShortOffset,
}

impl TimestampStyle {
    pub const ALL: [TimestampStyle; 6] = [
        Self::Offset,
        Self::Hyphen,
        Self::NoZone,
        Self::Zulu,
        Self::ZuluMillis,
        Self::SpaceShortOffset,
    ];

    /// Now, in this style.
    pub fn now(self) -> String {
        let now = Utc::now();
        let format = match self {
            Self::Offset => "%Y-%m-%dT%H:%M:%S%.6f+00:00",
            Self::Hyphen => "%Y-%m-%d-%H:%M:%S%.6f+00:00",
            Self::NoZone => "%Y-%m-%dT%H:%M:%S%.6f",
            Self::Zulu => "%Y-%m-%dT%H:%M:%SZ",
            Self::ZuluMillis => "%Y-%m-%dT%H:%M:%S%.3fZ",
            Self::SpaceShortOffset => {
                let west = FixedOffset::west_opt(8 * 3600).expect("valid offset");
                return now
                    .with_timezone(&west)
                    .format("%Y-%m-%d %H:%M:%S%.6f-08")
                    .to_string();
            }
        };
        now.format(format).to_string()
    }
}

/// Which inconsistencies to reproduce.
#[derive(Debug, Clone, Default)]
pub struct Quirks {
    /// `kyc.verification.documents_required` instead of `document_required` (§6 item 1).
    pub documents_required: bool,
    /// Beneficial-owner `document_required`, `failure` and `under_review` events name the owner
    /// under `customer_id` (§6 item 9).
    pub owner_customer_id: bool,
    /// `reasons` of a failure as a string instead of an object (§6 item 10).
    pub reasons_string: bool,
    /// The `occurred_at` form.
    pub timestamps: TimestampStyle,
    /// Paged lists answered as bare arrays (§6 item 25).
    pub bare_lists: bool,
    /// Error `Message`s always a field → messages dict (§5.4).
    pub message_dict: bool,
}

impl Quirks {
    fn rewrites_responses(&self) -> bool {
        self.bare_lists || self.message_dict
    }
}

/// Applies the event quirks to a webhook payload.
pub fn event(q: &Quirks, payload: &mut Value) {
    let Some(o) = payload.as_object_mut() else {
        return;
    };
    let name = o
        .get("event")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if q.documents_required && name == "kyc.verification.document_required" {
        o.insert("event".into(), json!("kyc.verification.documents_required"));
    }
    let renamed = [
        "kyc.verification.document_required",
        "kyc.verification.failure",
        "kyc.verification.under_review",
    ];
    if q.owner_customer_id
        && renamed.contains(&name.as_str())
        && let Some(id) = o.remove("beneficial_owner_id")
    {
        o.insert("customer_id".into(), id);
    }
    if q.reasons_string
        && let Some(Value::Object(reasons)) = o.get("reasons")
    {
        let failed: Vec<String> = reasons
            .iter()
            .filter(|(_, v)| *v == "failed")
            .map(|(k, _)| format!("{k} failed"))
            .collect();
        o.insert("reasons".into(), json!(failed.join(", ")));
    }
    if o.contains_key("occurred_at") {
        o.insert("occurred_at".into(), json!(q.timestamps.now()));
    }
}

fn rewrite_json(q: &Quirks, v: Value, error: bool) -> Value {
    match v {
        Value::Object(mut o)
            if q.bare_lists && o.contains_key("page_info") && o.contains_key("data") =>
        {
            o.remove("data").unwrap_or_default()
        }
        Value::Object(mut o)
            if q.message_dict && error && o.get("Message").is_some_and(Value::is_string) =>
        {
            let text = o.remove("Message").unwrap_or_default();
            o.insert("Message".into(), json!({ "error": [text] }));
            Value::Object(o)
        }
        other => other,
    }
}

/// Rewrites JSON answers per the response quirks.
pub async fn respond(State(sb): State<Arc<Sandbox>>, req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let q = &sb.cfg.quirks;
    let json = resp
        .headers()
        .get("content-type")
        .is_some_and(|c| c.as_bytes().starts_with(b"application/json"));
    if !q.rewrites_responses() || !json {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = to_bytes(body, 4 << 20).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(v) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let out = serde_json::to_vec(&rewrite_json(
        q,
        v,
        parts.status.is_client_error() || parts.status.is_server_error(),
    ))
    .unwrap_or_default();
    parts.headers.remove("content-length");
    Response::from_parts(parts, Body::from(out))
}
