//! Harness for the Atelio emulator's own conformance tests: starts it on 127.0.0.1:0, calls its
//! HTTP API with the documented headers, and receives its webhooks on a loopback receiver that
//! answers with scripted statuses and keeps every delivery (headers and raw body).
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use atelio_gateway::sandbox::{self, SandboxConfig, SandboxHandle};
use axum::{body::Bytes, extract::State, http::HeaderMap, http::StatusCode, routing::post};
use serde_json::Value;
use tokio::sync::mpsc;

pub const IDENTITY: &str = "emu-identity-1";
pub const AUTHORIZATION: &str = "emu-secret-2";
pub const PROGRAM: &str = "3f1b9a52-6d1e-4c3a-8a4f-0c9e7d2b5a61";

/// A running emulator and an HTTP client for it.
pub struct Emulator {
    pub handle: SandboxHandle,
    pub http: reqwest::Client,
}

pub fn config() -> SandboxConfig {
    SandboxConfig {
        identity: IDENTITY.into(),
        authorization: AUTHORIZATION.into(),
        rate_limit_per_min: 0,
        outcome_delay: Duration::from_millis(50),
        webhook_retry_base: Duration::from_millis(20),
        webhook_attempts: 4,
        document_expiry: Duration::from_secs(3600),
        faults: Default::default(),
        quirks: Default::default(),
    }
}

impl Emulator {
    pub async fn start(cfg: SandboxConfig) -> Emulator {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let handle = sandbox::start(cfg, listener).expect("emulator starts");
        Emulator {
            handle,
            http: reqwest::Client::new(),
        }
    }

    /// Sends `method path` with the API key and an optional JSON body; status and JSON answer.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call_with(
            method,
            path,
            body,
            &[("Identity", IDENTITY), ("Authorization", AUTHORIZATION)],
        )
        .await
    }

    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.handle.base_url());
        let mut req = self.http.request(method.parse().expect("method"), url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("emulator answers");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

/// One webhook the receiver got.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub signature: String,
    pub body: Bytes,
}

impl Delivery {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("webhook body is JSON")
    }
}

struct Receiver {
    statuses: Mutex<VecDeque<u16>>,
    tx: mpsc::UnboundedSender<Delivery>,
}

/// A loopback webhook receiver: answers the scripted statuses in order, then 200.
pub async fn receiver(statuses: &[u16]) -> (String, mpsc::UnboundedReceiver<Delivery>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let state = Arc::new(Receiver {
        statuses: Mutex::new(statuses.iter().copied().collect()),
        tx,
    });
    let app = axum::Router::new()
        .route("/hook", post(receive))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, rx)
}

async fn receive(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers
        .get("bond-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let _ = r.tx.send(Delivery { signature, body });
    let status = r
        .statuses
        .lock()
        .expect("statuses")
        .pop_front()
        .unwrap_or(200);
    StatusCode::from_u16(status).expect("status")
}

/// The next delivery, within five seconds.
pub async fn next(rx: &mut mpsc::UnboundedReceiver<Delivery>) -> Delivery {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a webhook within 5 s")
        .expect("receiver open")
}
