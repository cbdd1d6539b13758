//! Upstream failures (one attempt, retries off) reach the caller as the mapped gRPC status with ErrorInfo (Atelio's Code,
//! Type and HTTP status), BadRequest for Atelio's field problems and RetryInfo when retryable.
use std::time::Duration;

use atelio_gateway::proto::v1 as pb;
use serde_json::json;
use tonic::{Code, Request, Status};
use tonic_types::StatusExt;

use crate::helpers::{fixtures::*, *};

async fn get_customer(app: &TestApp) -> Status {
    let req = pb::GetCustomerRequest {
        customer_id: CUSTOMER_ID.into(),
    };
    app.customers()
        .get_customer(req)
        .await
        .expect_err("must fail")
}

fn atelio_body(status: u16, code: &str) -> serde_json::Value {
    json!({ "Message": "something went wrong", "Status": status, "Code": code, "Type": "Request Error" })
}

#[tokio::test]
async fn each_upstream_status_maps_to_its_grpc_code_with_error_info() {
    let table = [
        (401, Code::Internal, "UPSTREAM_CREDENTIALS_REJECTED"),
        (403, Code::Internal, "UPSTREAM_CREDENTIALS_REJECTED"),
        (404, Code::NotFound, "CUSTOMER_DNE"),
        (409, Code::FailedPrecondition, "CUSTOMER_DNE"),
        (424, Code::FailedPrecondition, "CUSTOMER_DNE"),
        (429, Code::ResourceExhausted, "CUSTOMER_DNE"),
        (500, Code::Internal, "CUSTOMER_DNE"),
        (502, Code::Unavailable, "CUSTOMER_DNE"),
        (503, Code::Unavailable, "CUSTOMER_DNE"),
        (504, Code::DeadlineExceeded, "CUSTOMER_DNE"),
    ];
    for (http, code, reason) in table {
        let app = spawn_no_retry().await;
        app.upstream.on_prefix(
            "GET",
            "/customers/",
            vec![Reply::json(http, atelio_body(http, "customer_dne"))],
        );
        let err = get_customer(&app).await;
        assert_eq!(err.code(), code, "HTTP {http}");
        let info = err
            .get_error_details()
            .error_info()
            .cloned()
            .expect("ErrorInfo");
        assert_eq!(info.reason, reason, "HTTP {http}");
        assert_eq!(info.metadata["http_status"], http.to_string());
        assert_eq!(info.metadata["atelio_code"], "customer_dne");
        assert_eq!(info.metadata["atelio_type"], "Request Error");
        let retryable = matches!(http, 429 | 502 | 503);
        assert_eq!(
            err.get_error_details().retry_info().is_some(),
            retryable,
            "HTTP {http}"
        );
    }
}

#[tokio::test]
async fn a_400_carries_atelios_field_problems_even_as_a_stringified_python_dict() {
    let app = spawn_no_retry().await;
    let body = json!({ "Message": "{'last_name': ['Missing data for required field.']}", "Status": 400, "Code": "create_customer_schema", "Type": "Request Error" });
    app.upstream
        .on("POST", "/customers/", vec![Reply::json(400, body)]);
    let err = app
        .customers()
        .create_customer(pb::CreateCustomerRequest {
            customer: Some(customer()),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    let br = err
        .get_error_details()
        .bad_request()
        .cloned()
        .expect("field details");
    assert_eq!(br.field_violations[0].field, "last_name");
    assert_eq!(
        err.get_error_details().error_info().unwrap().reason,
        "CREATE_CUSTOMER_SCHEMA"
    );
}

#[tokio::test]
async fn retry_after_on_a_429_becomes_the_retry_delay() {
    let app = spawn_no_retry().await;
    app.upstream.on_prefix(
        "GET",
        "/customers/",
        vec![Reply::json(429, json!({})).with_header("Retry-After", "7")],
    );
    let err = get_customer(&app).await;
    let retry = err.get_error_details().retry_info().cloned().unwrap();
    assert_eq!(retry.retry_delay, Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn a_malformed_success_body_is_an_internal_error_not_a_crash() {
    let app = spawn_no_retry().await;
    app.upstream.on_prefix(
        "GET",
        "/customers/",
        vec![Reply::text(200, "<html>oops</html>")],
    );
    let err = get_customer(&app).await;
    assert_eq!(err.code(), Code::Internal);
    assert_eq!(
        err.get_error_details().error_info().unwrap().reason,
        "UPSTREAM_BAD_RESPONSE"
    );
    app.upstream
        .on_prefix("GET", "/customers/", vec![Reply::json(200, json!([1, 2]))]);
    assert_eq!(get_customer(&app).await.code(), Code::Internal);
}

#[tokio::test]
async fn an_unparseable_error_body_still_maps_by_status() {
    let app = spawn_no_retry().await;
    app.upstream.on_prefix(
        "GET",
        "/customers/",
        vec![Reply::text(503, "Service Unavailable")],
    );
    let err = get_customer(&app).await;
    assert_eq!(err.code(), Code::Unavailable);
    assert_eq!(
        err.get_error_details().error_info().unwrap().reason,
        "ATELIO_HTTP_503"
    );
}

#[tokio::test]
async fn a_refused_connection_is_unavailable_with_retry_info() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let upstream = FakeUpstream::start().await;
    let mut config = test_config(&format!("http://127.0.0.1:{port}/api/v0.1"));
    config.retry.max_attempts = 1;
    let app = spawn_with_config(upstream, config).await;
    let err = get_customer(&app).await;
    assert_eq!(err.code(), Code::Unavailable);
    assert_eq!(
        err.get_error_details().error_info().unwrap().reason,
        "UPSTREAM_UNREACHABLE"
    );
    assert!(err.get_error_details().retry_info().is_some());
}

#[tokio::test]
async fn a_dropped_connection_is_unavailable() {
    let app = spawn_no_retry().await;
    app.upstream
        .on_prefix("GET", "/customers/", vec![Reply::drop_connection()]);
    let err = get_customer(&app).await;
    assert_eq!(err.code(), Code::Unavailable);
}

#[tokio::test]
async fn a_slow_upstream_times_out_within_the_callers_deadline() {
    let app = spawn_no_retry().await;
    app.upstream.on_prefix(
        "GET",
        "/customers/",
        vec![Reply::json(200, customer_json()).with_delay(Duration::from_secs(3))],
    );
    let mut req = Request::new(pb::GetCustomerRequest {
        customer_id: CUSTOMER_ID.into(),
    });
    req.set_timeout(Duration::from_millis(300));
    let err = app.customers().get_customer(req).await.unwrap_err();
    assert_eq!(err.code(), Code::DeadlineExceeded);
}

#[tokio::test]
async fn a_slow_upstream_hits_the_attempt_timeout() {
    let app = spawn_app_with(|c| {
        c.upstream.attempt_timeout_ms = 200;
        c.retry.max_attempts = 1;
    })
    .await;
    app.upstream.on_prefix(
        "GET",
        "/customers/",
        vec![Reply::json(200, customer_json()).with_delay(Duration::from_secs(3))],
    );
    let err = get_customer(&app).await;
    assert_eq!(err.code(), Code::DeadlineExceeded);
    assert_eq!(
        err.get_error_details().error_info().unwrap().reason,
        "UPSTREAM_TIMEOUT"
    );
}

#[tokio::test]
async fn atelios_error_text_is_never_copied_into_the_status_or_the_stored_outcome() {
    let app = spawn_no_retry().await;
    let body = json!({
        "Message": {"email": ["nick.smith@goldfinger.com is not a valid address"],
                    "last_name": ["Missing data for required field."]},
        "Status": 400, "Code": "create_customer_schema", "Type": "Request Error"
    });
    app.upstream
        .on("POST", "/customers/", vec![Reply::json(400, body)]);
    for _ in 0..2 {
        // The second answer is the stored outcome, replayed.
        let err = app
            .customers()
            .create_customer(pb::CreateCustomerRequest {
                customer: Some(customer()),
                request_id: "pii-1".into(),
            })
            .await
            .unwrap_err();
        let everything = format!("{} {:?}", err.message(), err.details());
        assert!(!everything.contains("goldfinger"), "{everything}");
        assert!(
            !everything.contains("is not a valid address"),
            "{everything}"
        );
        let br = err
            .get_error_details()
            .bad_request()
            .cloned()
            .expect("fields");
        let texts: Vec<_> = br
            .field_violations
            .iter()
            .map(|v| (v.field.as_str(), v.description.as_str()))
            .collect();
        assert!(
            texts.contains(&("email", "rejected by Atelio")),
            "{texts:?}"
        );
        assert!(texts.contains(&("last_name", "Missing data for required field.")));
        assert_eq!(
            err.message(),
            "Atelio answered HTTP 400 (create_customer_schema)"
        );
    }
    assert_eq!(
        app.upstream.hits("POST", "/customers/"),
        1,
        "the rejection was stored"
    );
}
