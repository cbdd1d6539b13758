//! Webhook subscriptions, W1–W4 (docs/reference/atelio-api.md §2.10): create, list, update (the `events` list is
//! replaced), delete; wrapped as `{"webhook_subscription": …}` / `{"webhook_subscriptions": […]}`.
use std::sync::Arc;

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    response::IntoResponse,
};
use rand::Rng;
use serde_json::{Map, Value, json};

use super::Sandbox;
use super::customers::parse;
use super::error::{ApiError, ApiResult};
use super::state::{Subscription, now_timestamp};
use super::validate::{self as v, Problems};

const CODE: &str = "webhooks_err";

/// A fresh `whsec_…` secret.
pub(super) fn new_secret() -> String {
    let mut rng = rand::rng();
    let chars: String = (0..32)
        .map(|_| rng.sample(rand::distr::Alphanumeric) as char)
        .collect();
    format!("whsec_{chars}")
}

fn render(s: &Subscription) -> Value {
    json!({
        "id": s.id, "url": s.url, "description": s.description, "events": s.events,
        "version": s.version, "secret": s.secret, "status": s.status,
        "created_time": s.created_time, "updated_time": s.updated_time,
    })
}

fn events(o: &Map<String, Value>, required: bool, p: &mut Problems) -> Option<Vec<String>> {
    match o.get("events") {
        None if !required => None,
        Some(Value::Array(list)) if !list.is_empty() && list.iter().all(Value::is_string) => Some(
            list.iter()
                .filter_map(|e| e.as_str().map(str::to_string))
                .collect(),
        ),
        _ => {
            p.add("events", "A non-empty list of event names is required.");
            None
        }
    }
}

fn status(o: &Map<String, Value>, p: &mut Problems) -> Option<String> {
    let s = v::text(o, "status", false, p)?;
    if s == "STATUS_ENABLED" || s == "STATUS_DISABLED" {
        Some(s.to_string())
    } else {
        p.add("status", "Must be STATUS_ENABLED or STATUS_DISABLED.");
        None
    }
}

impl Sandbox {
    pub(super) fn add_subscription(
        &self,
        url: String,
        description: String,
        events: Vec<String>,
    ) -> Subscription {
        let now = now_timestamp();
        let sub = Subscription {
            id: uuid::Uuid::new_v4().to_string(),
            url,
            description,
            events,
            version: "0.1".into(),
            secret: new_secret(),
            status: "STATUS_ENABLED".into(),
            created_time: now.clone(),
            updated_time: now,
        };
        self.lock().subscriptions.push(sub.clone());
        sub
    }
}

pub async fn create(State(sb): State<Arc<Sandbox>>, body: Bytes) -> ApiResult {
    let body = parse(&body, CODE)?;
    let o = v::object(&body, CODE)?;
    let mut p = Problems::default();
    let url = v::text(o, "url", true, &mut p).map(str::to_string);
    let list = events(o, true, &mut p);
    let description = v::text(o, "description", false, &mut p)
        .unwrap_or_default()
        .to_string();
    let state = status(o, &mut p);
    p.finish(CODE)?;
    let mut sub = sb.add_subscription(
        url.unwrap_or_default(),
        description,
        list.unwrap_or_default(),
    );
    if let Some(state) = state {
        sub = sb.modify(&sub.id, |s| s.status = state)?;
    }
    Ok(Json(json!({ "webhook_subscription": render(&sub) })).into_response())
}

pub async fn list(State(sb): State<Arc<Sandbox>>) -> ApiResult {
    let all: Vec<Value> = sb.lock().subscriptions.iter().map(render).collect();
    Ok(Json(json!({ "webhook_subscriptions": all })).into_response())
}

impl Sandbox {
    pub(super) fn modify(
        &self,
        id: &str,
        change: impl FnOnce(&mut Subscription),
    ) -> Result<Subscription, ApiError> {
        let mut store = self.lock();
        let sub = store
            .subscriptions
            .iter_mut()
            .find(|s| s.id == id)
            .ok_or_else(|| ApiError::not_found(CODE, "Webhook subscription does not exist"))?;
        change(sub);
        sub.updated_time = now_timestamp();
        Ok(sub.clone())
    }
}

pub async fn update(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body = parse(&body, CODE)?;
    let o = v::object(&body, CODE)?;
    let mut p = Problems::default();
    let url = v::text(o, "url", false, &mut p).map(str::to_string);
    let description = v::text(o, "description", false, &mut p).map(str::to_string);
    let list = events(o, false, &mut p);
    let state = status(o, &mut p);
    p.finish(CODE)?;
    let sub = sb.modify(&id, |s| {
        s.url = url.unwrap_or(s.url.clone());
        s.description = description.unwrap_or(s.description.clone());
        s.events = list.unwrap_or(s.events.clone());
        s.status = state.unwrap_or(s.status.clone());
    })?;
    Ok(Json(json!({ "webhook_subscription": render(&sub) })).into_response())
}

pub async fn delete(State(sb): State<Arc<Sandbox>>, Path(id): Path<String>) -> ApiResult {
    let mut store = sb.lock();
    let at = store
        .subscriptions
        .iter()
        .position(|s| s.id == id)
        .ok_or_else(|| ApiError::not_found(CODE, "Webhook subscription does not exist"))?;
    let sub = store.subscriptions.remove(at);
    Ok(Json(json!({ "webhook_subscription": render(&sub) })).into_response())
}
