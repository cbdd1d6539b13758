//! Secrets that rotate without a restart: a new `webhook.secrets_file` takes effect for the next
//! delivery; an emptied secrets file or callers file is refused, counted, and the old secrets
//! and callers stay in force.
use std::{path::Path, time::Duration};

use atelio_gateway::config::AuthMode;
use serde_json::json;

use crate::helpers::fixtures::{CUSTOMER_ID, customer_json, get_customer_as};
use crate::helpers::{Reply, TestApp, signing, spawn_app_with};

const OLD: &str = "whsec_oldOLDold0123456789abcdefABCDEF01";
const NEW: &str = "whsec_newNEWnew0123456789abcdefABCDEF02";
const PATIENCE: Duration = Duration::from_secs(20);

async fn post_with(app: &TestApp, secret: &str, i: u32) -> u16 {
    let body = json!({ "event": "kyc.verification.success", "customer_id": CUSTOMER_ID,
                       "occurred_at": format!("2024-02-01T00:00:{i:02}Z") });
    let body = serde_json::to_vec(&body).unwrap();
    let sig = signing::header(secret, signing::now(), &body);
    let client = reqwest::Client::new();
    signing::post(&client, &app.webhook_url, body, Some(sig))
        .await
        .0
}

fn reloads(series: &prometheus::IntCounterVec, outcome: &str) -> u64 {
    series.with_label_values(&[outcome]).get()
}

/// Waits until `f` holds, polling; panics after [`PATIENCE`].
async fn eventually<F: AsyncFnMut() -> bool>(mut f: F, what: &str) {
    let until = tokio::time::Instant::now() + PATIENCE;
    while !f().await {
        assert!(tokio::time::Instant::now() < until, "never: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

#[tokio::test]
async fn a_rotated_secrets_file_takes_effect_and_an_emptied_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("webhook-secrets");
    write(&file, &format!("{OLD}\n"));
    let path = file.clone();
    let app = spawn_app_with(move |c| {
        c.webhook.secrets = vec![];
        c.webhook.secrets_file = Some(path);
        c.auth.reload_interval_ms = Some(50);
    })
    .await;
    let series = &atelio_gateway::metrics::get()
        .overload
        .webhook_secret_reloads;
    assert_eq!(post_with(&app, OLD, 1).await, 200);
    assert_eq!(post_with(&app, NEW, 2).await, 401);
    write(&file, &format!("{NEW}\n"));
    eventually(
        async || post_with(&app, NEW, 3).await == 200,
        "the new secret",
    )
    .await;
    assert_eq!(post_with(&app, OLD, 4).await, 401, "the old one is retired");
    let invalid = reloads(series, "invalid");
    write(&file, "\n");
    eventually(
        async || reloads(series, "invalid") > invalid,
        "refusal counted",
    )
    .await;
    assert_eq!(
        post_with(&app, NEW, 5).await,
        200,
        "the secrets in force stay"
    );
}

const TOKEN: &str = "reload-token-0123456789abcdef";

#[tokio::test]
async fn an_emptied_callers_file_is_refused_and_the_callers_stay() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("callers.toml");
    let entry = format!("[[caller]]\nname = \"svc\"\ntoken = \"{TOKEN}\"\nmethods = [\"*\"]\n");
    write(&file, &entry);
    let path = file.clone();
    let app = spawn_app_with(move |c| {
        c.auth.mode = Some(AuthMode::Tokens);
        c.auth.tokens_file = Some(path);
        c.auth.reload_interval_ms = Some(50);
    })
    .await;
    app.upstream.on_prefix(
        "GET",
        "/customers/",
        vec![Reply::json(200, customer_json())],
    );
    app.customers()
        .get_customer(get_customer_as(Some(TOKEN)))
        .await
        .expect("admitted");
    let series = &atelio_gateway::metrics::get().auth_reloads;
    let invalid = reloads(series, "invalid");
    write(&file, "");
    eventually(
        async || reloads(series, "invalid") > invalid,
        "refusal counted",
    )
    .await;
    app.customers()
        .get_customer(get_customer_as(Some(TOKEN)))
        .await
        .expect("the callers in force stay");
}
