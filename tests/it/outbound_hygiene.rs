//! Outbound hygiene: the Atelio client never follows a redirect (the request, with its
//! credentials and personal data, is not sent anywhere else; the error names the location's
//! host) and reads a response body only up to `upstream.max_response_bytes`.
use atelio_gateway::proto::v1 as pb;
use serde_json::json;
use tonic::{Code, Status};
use tonic_types::StatusExt;

use crate::helpers::{fixtures::*, upstream::FakeUpstream, *};

async fn get_customer(app: &TestApp) -> Status {
    let req = pb::GetCustomerRequest {
        customer_id: CUSTOMER_ID.into(),
    };
    app.customers()
        .get_customer(req)
        .await
        .expect_err("must fail")
}

fn reason(s: &Status) -> String {
    s.get_error_details()
        .error_info()
        .expect("ErrorInfo")
        .reason
        .clone()
}

#[tokio::test]
async fn a_redirect_is_an_error_naming_its_host_and_is_never_followed() {
    let elsewhere = FakeUpstream::start().await;
    elsewhere.on_prefix("GET", "/", vec![Reply::json(200, customer_json())]);
    let app = spawn_app().await;
    let location = format!("{}/customers/{CUSTOMER_ID}", elsewhere.base_url());
    for status in [301, 302, 307, 308] {
        app.upstream.on_prefix(
            "GET",
            "/customers/",
            vec![Reply::empty(status).with_header("location", &location)],
        );
        let err = get_customer(&app).await;
        assert_eq!(
            (err.code(), reason(&err).as_str()),
            (Code::Internal, "UPSTREAM_REDIRECT")
        );
        assert!(err.message().contains("127.0.0.1"), "{}", err.message());
    }
    assert_eq!(
        app.upstream.count(),
        4,
        "one attempt each: a redirect is not retried"
    );
    assert_eq!(
        elsewhere.count(),
        0,
        "the redirect target never saw the request"
    );
}

#[tokio::test]
async fn a_response_body_past_the_limit_is_not_read() {
    let app = spawn_app_with(|c| {
        c.upstream.max_response_bytes = 4096;
        c.retry.max_attempts = 1;
    })
    .await;
    let mut big = customer_json();
    big["notes"] = json!("x".repeat(8192));
    app.upstream
        .on_prefix("GET", "/customers/", vec![Reply::json(200, big)]);
    let err = get_customer(&app).await;
    assert_eq!(
        (err.code(), reason(&err).as_str()),
        (Code::Internal, "UPSTREAM_BAD_RESPONSE")
    );

    app.upstream.on_prefix(
        "GET",
        "/customers/",
        vec![Reply::json(200, customer_json())],
    );
    let ok = app
        .customers()
        .get_customer(pb::GetCustomerRequest {
            customer_id: CUSTOMER_ID.into(),
        })
        .await;
    assert!(ok.is_ok(), "a body under the limit is read: {ok:?}");
}
