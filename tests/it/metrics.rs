//! `/metrics` after a scripted run: the gateway runs as its own process (its metrics are its
//! own), calls are made over gRPC and webhooks posted, then the admin listener is scraped and
//! each series checked for the exact value the run must have produced. `/livez` and `/readyz`
//! answer.
use atelio_gateway::proto::v1 as pb;
use pb::customer_service_client::CustomerServiceClient;
use serde_json::json;

use crate::helpers::fixtures::{self, CUSTOMER_ID, customer_json};
use crate::helpers::process::GatewayProcess;
use crate::helpers::{FakeUpstream, Reply, signing};

/// The value of the series whose line starts with `series` (name and labels, exactly).
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(series)
                .and_then(|rest| rest.trim().parse().ok())
        })
        .unwrap_or_else(|| panic!("no series {series} in\n{text}"))
}

async fn post_webhooks(url: &str) {
    let http = reqwest::Client::new();
    let body = json!({ "event": "kyc.verification.success", "customer_id": CUSTOMER_ID, "occurred_at": "2024-05-01T10:00:00Z" });
    let raw = serde_json::to_vec(&body).expect("json");
    for _ in 0..2 {
        let sig = signing::header(signing::SECRET, signing::now(), &raw);
        assert_eq!(
            signing::post(&http, url, raw.clone(), Some(sig)).await.0,
            200
        );
    }
    let wrong = signing::header("whsec_wrong", signing::now(), &raw);
    assert_eq!(
        signing::post(&http, url, raw.clone(), Some(wrong)).await.0,
        401
    );
    let stale = signing::header(signing::SECRET, signing::now() - 3600, &raw);
    assert_eq!(signing::post(&http, url, raw, Some(stale)).await.0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scrape_shows_what_the_run_did() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let upstream = FakeUpstream::start().await;
    upstream.on(
        "POST",
        "/customers/",
        vec![Reply::json(201, customer_json())],
    );
    upstream.on(
        "GET",
        &format!("/customers/{CUSTOMER_ID}"),
        vec![
            Reply::json(503, json!({})),
            Reply::json(200, customer_json()),
        ],
    );
    let gw = GatewayProcess::start(
        &upstream.base_url(),
        &[
            ("ATELIO_GATEWAY__IDEMPOTENCY__STORE", "memory".into()),
            ("ATELIO_GATEWAY__EVENTS__STORE", "memory".into()),
            ("ATELIO_GATEWAY__RETRY__BASE_DELAY_MS", "5".into()),
        ],
    );
    let channel = tonic::transport::Channel::from_shared(format!("http://{}", gw.addr))
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    let mut customers = CustomerServiceClient::new(channel.clone());
    let create = || pb::CreateCustomerRequest {
        customer: Some(fixtures::customer()),
        request_id: "m-1".into(),
    };
    customers.create_customer(create()).await.expect("create");
    customers
        .create_customer(create())
        .await
        .expect("replayed create");
    customers
        .get_customer(pb::GetCustomerRequest {
            customer_id: CUSTOMER_ID.into(),
        })
        .await
        .expect("get after a retry");
    let bad = customers
        .get_customer(pb::GetCustomerRequest {
            customer_id: "nope".into(),
        })
        .await;
    assert_eq!(
        bad.expect_err("invalid").code(),
        tonic::Code::InvalidArgument
    );
    let from_now = pb::subscribe_verification_events_request::Start::FromNow(true);
    let _stream =
        pb::verification_event_service_client::VerificationEventServiceClient::new(channel)
            .subscribe_verification_events(pb::SubscribeVerificationEventsRequest {
                filter: None,
                start: Some(from_now),
            })
            .await
            .expect("subscribe");
    post_webhooks(&gw.webhook_url).await;

    let http = reqwest::Client::new();
    let text = http
        .get(format!("{}/metrics", gw.admin_url))
        .send()
        .await
        .expect("scrape")
        .text()
        .await
        .expect("text");
    let v = |s: &str| value(&text, s);
    // (series, value the run must have produced). The one `customers.create` attempt shows the
    // replay never reached Atelio.
    let expected = [
        (
            r#"atelio_gateway_rpc_requests_total{caller="anonymous",code="OK",method="CreateCustomer",service="CustomerService"}"#,
            2.0,
        ),
        (
            r#"atelio_gateway_rpc_requests_total{caller="anonymous",code="OK",method="GetCustomer",service="CustomerService"}"#,
            1.0,
        ),
        (
            r#"atelio_gateway_rpc_requests_total{caller="anonymous",code="INVALID_ARGUMENT",method="GetCustomer",service="CustomerService"}"#,
            1.0,
        ),
        (
            r#"atelio_gateway_rpc_duration_seconds_count{method="CreateCustomer",service="CustomerService"}"#,
            2.0,
        ),
        (
            r#"atelio_gateway_upstream_requests_total{route="customers.create",status="201"}"#,
            1.0,
        ),
        (
            r#"atelio_gateway_upstream_requests_total{route="customers.get",status="503"}"#,
            1.0,
        ),
        (
            r#"atelio_gateway_upstream_requests_total{route="customers.get",status="200"}"#,
            1.0,
        ),
        (
            r#"atelio_gateway_upstream_retries_total{reason="server_error"}"#,
            1.0,
        ),
        (
            r#"atelio_gateway_idempotency_outcomes_total{outcome="replay"}"#,
            1.0,
        ),
        (r#"atelio_gateway_webhooks_total{outcome="accepted"}"#, 1.0),
        (r#"atelio_gateway_webhooks_total{outcome="duplicate"}"#, 1.0),
        (
            r#"atelio_gateway_webhooks_total{outcome="bad_signature"}"#,
            1.0,
        ),
        (r#"atelio_gateway_webhooks_total{outcome="stale"}"#, 1.0),
        ("atelio_gateway_events_stored_total", 1.0),
        ("atelio_gateway_event_subscribers", 1.0),
        ("atelio_gateway_breaker_state", 0.0),
        ("atelio_gateway_rate_limit_rejections_total", 0.0),
    ];
    for (series, want) in expected {
        assert_eq!(v(series), want, "{series}");
    }
    assert!(v("atelio_gateway_subscriber_lag_events_count") >= 1.0);
    for probe in ["livez", "readyz"] {
        let status = http
            .get(format!("{}/{probe}", gw.admin_url))
            .send()
            .await
            .expect("probe")
            .status();
        assert_eq!(status, 200, "/{probe}");
    }
    drop(gw.kill());
}
