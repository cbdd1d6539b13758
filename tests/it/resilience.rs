//! Outbound resilience over real sockets: retries with one Idempotency-Key, no retry of
//! definitive answers, exhausted retries, the circuit breaker and its health signal, and the
//! rate limit failing fast beyond the deadline. (Waits on paused time: `upstream::pipeline` tests.)
use std::time::Duration;

use atelio_gateway::proto::v1 as pb;
use serde_json::json;
use tonic::{Code, Request};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};
use tonic_types::StatusExt;

use crate::helpers::{fixtures::*, *};

const CREATE: &str = "atelio.gateway.v1.CustomerService/CreateCustomer";

fn create(request_id: &str) -> pb::CreateCustomerRequest {
    pb::CreateCustomerRequest {
        customer: Some(customer()),
        request_id: request_id.into(),
    }
}

fn keys(app: &TestApp) -> Vec<Option<String>> {
    app.upstream
        .requests()
        .iter()
        .map(|r| r.header("idempotency-key"))
        .collect()
}

#[tokio::test]
async fn two_503s_then_a_201_reach_atelio_three_times_with_one_key() {
    let app = spawn_app().await;
    app.upstream.on(
        "POST",
        "/customers/",
        vec![
            Reply::json(503, json!({})),
            Reply::json(503, json!({})),
            Reply::json(201, customer_json()),
        ],
    );
    let got = app
        .customers()
        .create_customer(create("r-503"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.customer.unwrap().customer_id, CUSTOMER_ID);
    assert_eq!(keys(&app), vec![Some(expected_key(CREATE, "r-503")); 3]);
}

#[tokio::test]
async fn a_400_is_sent_once() {
    let app = spawn_app().await;
    app.upstream.on(
        "POST",
        "/customers/",
        vec![Reply::json(
            400,
            json!({ "Code": "create_customer_schema" }),
        )],
    );
    let err = app
        .customers()
        .create_customer(create("r-400"))
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), app.upstream.count()),
        (Code::InvalidArgument, 1)
    );
}

#[tokio::test]
async fn exhausted_retries_are_unavailable_and_say_how_many_attempts_were_made() {
    let app = spawn_app().await;
    app.upstream.on(
        "POST",
        "/customers/",
        vec![Reply::json(503, json!({ "Code": "server_error" }))],
    );
    let err = app
        .customers()
        .create_customer(create("r-exhaust"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unavailable);
    let info = err.get_error_details().error_info().cloned().unwrap();
    assert_eq!(info.reason, "UPSTREAM_RETRIES_EXHAUSTED");
    assert_eq!(
        (
            info.metadata["attempts"].as_str(),
            info.metadata["http_status"].as_str()
        ),
        ("4", "503")
    );
    assert_eq!(info.metadata["atelio_code"], "server_error");
    assert!(err.get_error_details().retry_info().is_some());
    assert_eq!(keys(&app), vec![Some(expected_key(CREATE, "r-exhaust")); 4]);
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_then_retried() {
    let app = spawn_app().await;
    app.upstream.on(
        "POST",
        "/customers/",
        vec![
            Reply::json(429, json!({})).with_header("Retry-After", "1"),
            Reply::json(201, customer_json()),
        ],
    );
    app.customers()
        .create_customer(create("r-429"))
        .await
        .unwrap();
    assert_eq!(app.upstream.count(), 2);
}

async fn service_health(app: &TestApp) -> i32 {
    let mut health = HealthClient::new(app.channel.clone());
    let req = HealthCheckRequest {
        service: "atelio.gateway.v1.CustomerService".into(),
    };
    health.check(req).await.unwrap().into_inner().status
}

/// Polls health until it reports `want` (the breaker publishes asynchronously).
async fn await_health(app: &TestApp, want: ServingStatus) {
    for _ in 0..100 {
        if service_health(app).await == want as i32 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("health never became {want:?}");
}

#[tokio::test]
async fn the_breaker_opens_fails_fast_feeds_health_and_recovers() {
    let app = spawn_app_with(|c| {
        c.retry.max_attempts = 1;
        c.breaker.failure_threshold = 3;
        c.breaker.open_ms = 300;
    })
    .await;
    let path = format!("/customers/{CUSTOMER_ID}");
    app.upstream
        .on("GET", &path, vec![Reply::json(500, json!({}))]);
    let get = || pb::GetCustomerRequest {
        customer_id: CUSTOMER_ID.into(),
    };
    for _ in 0..3 {
        assert_eq!(
            app.customers()
                .get_customer(get())
                .await
                .unwrap_err()
                .code(),
            Code::Internal
        );
    }
    let fast = app.customers().get_customer(get()).await.unwrap_err();
    assert_eq!(fast.code(), Code::Unavailable);
    assert_eq!(
        fast.get_error_details().error_info().unwrap().reason,
        "UPSTREAM_CIRCUIT_OPEN"
    );
    assert!(fast.get_error_details().retry_info().is_some());
    assert_eq!(
        app.upstream.count(),
        3,
        "no upstream call while the breaker is open"
    );
    await_health(&app, ServingStatus::NotServing).await;

    app.upstream
        .on("GET", &path, vec![Reply::json(200, customer_json())]);
    tokio::time::sleep(Duration::from_millis(350)).await;
    app.customers()
        .get_customer(get())
        .await
        .expect("the half-open probe succeeds");
    await_health(&app, ServingStatus::Serving).await;
}

#[tokio::test]
async fn a_permit_beyond_the_deadline_fails_fast_with_resource_exhausted_and_retry_info() {
    let app = spawn_app_with(|c| {
        c.rate_limit.per_minute = 1;
        c.rate_limit.burst = 1;
    })
    .await;
    app.upstream.on_prefix(
        "GET",
        "/customers/",
        vec![Reply::json(200, customer_json())],
    );
    let get = || pb::GetCustomerRequest {
        customer_id: CUSTOMER_ID.into(),
    };
    app.customers().get_customer(get()).await.unwrap();
    let mut req = Request::new(get());
    req.set_timeout(Duration::from_secs(2));
    let err = app.customers().get_customer(req).await.unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted);
    assert_eq!(
        err.get_error_details().error_info().unwrap().reason,
        "UPSTREAM_RATE_LIMITED"
    );
    let delay = err
        .get_error_details()
        .retry_info()
        .cloned()
        .unwrap()
        .retry_delay
        .unwrap();
    assert!(
        delay > Duration::from_secs(2),
        "the needed wait is reported: {delay:?}"
    );
    assert_eq!(app.upstream.count(), 1);
}
