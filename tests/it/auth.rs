//! Caller authentication over real gRPC: no token, an unknown token, a token lacking the method
//! and a good one; health stays open; the caller's name scopes the Idempotency-Key; an edit of
//! the tokens file takes effect without a restart and a broken edit keeps the old callers.
use std::{path::Path, time::Duration};

use atelio_gateway::config::AuthMode;
use atelio_gateway::proto::v1 as pb;
use tonic::{Code, Request};

use crate::helpers::fixtures::get_customer_as as get;
use crate::helpers::fixtures::{CUSTOMER_ID, customer, customer_json};
use crate::helpers::{Reply, TestApp, spawn_app_with};

const BILLING: &str = "billing-token-0123456789abcdef";
const READER: &str = "reader-token-0123456789abcdef";

fn tokens(reader_methods: &str) -> String {
    format!(
        r#"
[[caller]]
name = "billing"
token = "{BILLING}"
methods = ["atelio.gateway.v1.CustomerService/*"]

[[caller]]
name = "reader"
token_sha256 = "{}"
methods = [{reader_methods}]
"#,
        hex::encode(atelio_gateway::auth::table::digest(READER))
    )
}

async fn spawn(file: &Path) -> TestApp {
    let file = file.to_path_buf();
    spawn_app_with(move |c| {
        c.auth.mode = Some(AuthMode::Tokens);
        c.auth.tokens_file = Some(file);
        c.auth.reload_interval_ms = Some(50);
    })
    .await
}

async fn code_of(app: &TestApp, token: Option<&str>) -> Code {
    match app.customers().get_customer(get(token)).await {
        Ok(_) => Code::Ok,
        Err(s) => s.code(),
    }
}

#[tokio::test]
async fn tokens_decide_who_may_call_what() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("callers.toml");
    std::fs::write(
        &file,
        tokens(r#""atelio.gateway.v1.BusinessService/GetBusiness""#),
    )
    .expect("write");
    let app = spawn(&file).await;
    app.upstream.on(
        "GET",
        &format!("/customers/{CUSTOMER_ID}"),
        vec![Reply::json(200, customer_json())],
    );
    assert_eq!(code_of(&app, None).await, Code::Unauthenticated);
    assert_eq!(
        code_of(&app, Some("wrong-token-0123456789")).await,
        Code::Unauthenticated
    );
    assert_eq!(code_of(&app, Some(READER)).await, Code::PermissionDenied);
    assert_eq!(
        app.upstream.requests().len(),
        0,
        "refused calls never reach Atelio"
    );
    assert_eq!(code_of(&app, Some(BILLING)).await, Code::Ok);

    let mut health = tonic_health::pb::health_client::HealthClient::new(app.channel.clone());
    let served = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("health needs no token");
    assert_eq!(served.into_inner().status, 1);
}

#[tokio::test]
async fn the_caller_scopes_the_idempotency_key() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("callers.toml");
    std::fs::write(&file, tokens(r#""*""#)).expect("write");
    let app = spawn(&file).await;
    app.upstream.on(
        "POST",
        "/customers/",
        vec![Reply::json(201, customer_json())],
    );
    let mut req = Request::new(pb::CreateCustomerRequest {
        customer: Some(customer()),
        request_id: "r-1".into(),
    });
    let v = format!("Bearer {READER}").parse().expect("ascii");
    req.metadata_mut().insert("authorization", v);
    app.customers().create_customer(req).await.expect("created");
    let sent = crate::helpers::only_request(&app);
    let method = "atelio.gateway.v1.CustomerService/CreateCustomer";
    assert_eq!(
        sent.header("idempotency-key").as_deref(),
        Some(atelio_gateway::idempotency::derive_key("reader", method, "r-1").as_str())
    );
}

async fn eventually(app: &TestApp, token: &str, want: Code) {
    for _ in 0..100 {
        if code_of(app, Some(token)).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never saw {want:?}");
}

#[tokio::test]
async fn an_edited_tokens_file_takes_effect_without_a_restart() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("callers.toml");
    std::fs::write(&file, tokens(r#""atelio.gateway.v1.BusinessService/*""#)).expect("write");
    let app = spawn(&file).await;
    app.upstream.on(
        "GET",
        &format!("/customers/{CUSTOMER_ID}"),
        vec![Reply::json(200, customer_json())],
    );
    assert_eq!(code_of(&app, Some(READER)).await, Code::PermissionDenied);
    std::fs::write(
        &file,
        tokens(r#""atelio.gateway.v1.CustomerService/GetCustomer""#),
    )
    .expect("write");
    eventually(&app, READER, Code::Ok).await;

    // A broken edit is refused: the callers loaded before stay in force.
    let refused = || {
        let reloads = &atelio_gateway::metrics::get().auth_reloads;
        reloads.with_label_values(&["invalid"]).get()
    };
    let before = refused();
    std::fs::write(&file, "[[caller]]\nname = \"x\"\n").expect("write");
    for _ in 0..100 {
        if refused() > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused() > before, "the broken edit was read and refused");
    assert_eq!(code_of(&app, Some(READER)).await, Code::Ok);

    // Removing a caller locks it out.
    let only_billing = tokens(r#""*""#)
        .split("[[caller]]")
        .nth(1)
        .map(|b| format!("[[caller]]{b}"));
    std::fs::write(&file, only_billing.expect("billing block")).expect("write");
    eventually(&app, READER, Code::Unauthenticated).await;
    assert_eq!(code_of(&app, Some(BILLING)).await, Code::Ok);
}

#[tokio::test]
async fn start_up_refuses_a_missing_or_bad_tokens_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        format!("[[caller]]\nname = \"a\"\ntoken = \"{BILLING}\"\nmethods = [\"Nope/*\"]\n"),
    )
    .expect("write");
    for (file, words) in [
        (dir.path().join("missing.toml"), "cannot read file"),
        (bad, "unknown service"),
    ] {
        let upstream = crate::helpers::FakeUpstream::start().await;
        let mut c = crate::helpers::test_config(&upstream.base_url());
        c.auth.mode = None;
        c.auth.tokens_file = Some(file);
        let err = atelio_gateway::app::App::build(c)
            .await
            .err()
            .expect("refused");
        let text = err.to_string();
        assert!(
            text.contains("auth.tokens_file") && text.contains(words),
            "{text}"
        );
        assert!(!text.contains(BILLING), "{text}");
    }
    let upstream = crate::helpers::FakeUpstream::start().await;
    let mut c = crate::helpers::test_config(&upstream.base_url());
    c.auth.mode = None;
    let err = atelio_gateway::app::App::build(c)
        .await
        .err()
        .expect("no callers");
    assert!(err.to_string().contains("auth.mode = \"off\""), "{err}");
}
