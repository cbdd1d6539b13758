//! Idempotency end to end: a `request_id` reaches Atelio once; replays carry
//! `idempotent-replayed: true`; reuse with another request is refused; concurrent duplicates
//! wait for the first; definitive answers replay, transient ones run again; records survive a
//! restart on the same SQLite file and expire; `idempotency_key_exists` becomes a status read.
use std::{sync::Arc, time::Duration};

use atelio_gateway::config::StoreBackend;
use atelio_gateway::idempotency::ManualClock;
use atelio_gateway::proto::v1 as pb;
use serde_json::json;
use tonic::Code;
use tonic_types::StatusExt;

use crate::helpers::{fixtures::*, *};

fn create(request_id: &str) -> pb::CreateCustomerRequest {
    pb::CreateCustomerRequest {
        customer: Some(customer()),
        request_id: request_id.into(),
    }
}

fn replayed<T>(r: &tonic::Response<T>) -> bool {
    r.metadata()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true")
}

#[tokio::test]
async fn the_same_request_id_twice_reaches_atelio_once_and_replays_the_answer() {
    let app = spawn_app().await;
    app.upstream.on(
        "POST",
        "/customers/",
        vec![Reply::json(201, customer_json())],
    );
    let first = app
        .customers()
        .create_customer(create("same"))
        .await
        .unwrap();
    let second = app
        .customers()
        .create_customer(create("same"))
        .await
        .unwrap();
    assert!(!replayed(&first) && replayed(&second));
    assert_eq!(first.into_inner(), second.into_inner());
    assert_eq!(app.upstream.count(), 1);
}

#[tokio::test]
async fn a_different_request_with_a_used_request_id_is_refused() {
    let app = spawn_app().await;
    app.upstream.on(
        "POST",
        "/customers/",
        vec![Reply::json(201, customer_json())],
    );
    app.customers()
        .create_customer(create("reused"))
        .await
        .unwrap();
    let mut other = create("reused");
    other.customer.as_mut().unwrap().email = "other@goldfinger.com".into();
    let err = app.customers().create_customer(other).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        err.get_error_details().error_info().unwrap().reason,
        "IDEMPOTENCY_KEY_REUSED"
    );
    assert_eq!(app.upstream.count(), 1);
}

#[tokio::test]
async fn twenty_concurrent_duplicates_make_one_upstream_call_and_get_one_answer() {
    let app = spawn_app().await;
    app.upstream.on(
        "POST",
        "/customers/",
        vec![Reply::json(201, customer_json()).with_delay(Duration::from_millis(300))],
    );
    let calls = (0..20).map(|_| {
        let mut client = app.customers();
        tokio::spawn(async move { client.create_customer(create("burst")).await })
    });
    let mut answers = Vec::new();
    for c in calls.collect::<Vec<_>>() {
        answers.push(c.await.unwrap().expect("every duplicate succeeds"));
    }
    assert_eq!(app.upstream.count(), 1);
    assert_eq!(answers.iter().filter(|r| replayed(r)).count(), 19);
    let first = answers[0].get_ref().clone();
    assert!(answers.iter().all(|r| *r.get_ref() == first));
}

#[tokio::test]
async fn a_definitive_rejection_is_replayed_with_its_details() {
    let app = spawn_app().await;
    let body = json!({ "Message": "KYC already initialized", "Code": "kyc_error", "Type": "Request Error" });
    app.upstream
        .on_prefix("POST", "/customers/", vec![Reply::json(409, body)]);
    let start = || pb::StartCustomerKycRequest {
        customer_id: CUSTOMER_ID.into(),
        program_id: PROGRAM_ID.into(),
        request_id: "k-409".into(),
        ..Default::default()
    };
    let first = app
        .customers()
        .start_customer_kyc(start())
        .await
        .unwrap_err();
    let second = app
        .customers()
        .start_customer_kyc(start())
        .await
        .unwrap_err();
    assert_eq!(
        (first.code(), second.code()),
        (Code::FailedPrecondition, Code::FailedPrecondition)
    );
    assert_eq!(
        second.get_error_details().error_info().unwrap().reason,
        "KYC_ERROR"
    );
    assert_eq!(
        second.metadata().get("idempotent-replayed").unwrap(),
        "true"
    );
    assert_eq!(app.upstream.count(), 1);
}

#[tokio::test]
async fn a_transient_failure_releases_the_record_so_a_retry_runs_with_the_same_key() {
    let app = spawn_no_retry().await;
    app.upstream.on(
        "POST",
        "/customers/",
        vec![
            Reply::json(503, json!({})),
            Reply::json(201, customer_json()),
        ],
    );
    assert_eq!(
        app.customers()
            .create_customer(create("t"))
            .await
            .unwrap_err()
            .code(),
        Code::Unavailable
    );
    let ok = app.customers().create_customer(create("t")).await.unwrap();
    assert!(!replayed(&ok));
    let keys: Vec<_> = app
        .upstream
        .requests()
        .iter()
        .map(|r| r.header("idempotency-key"))
        .collect();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1]);
}

#[tokio::test]
async fn calls_without_request_id_are_not_deduplicated() {
    let app = spawn_app().await;
    app.upstream.on(
        "POST",
        "/customers/",
        vec![Reply::json(201, customer_json())],
    );
    app.customers().create_customer(create("")).await.unwrap();
    app.customers().create_customer(create("")).await.unwrap();
    let keys: Vec<_> = app
        .upstream
        .requests()
        .iter()
        .map(|r| r.header("idempotency-key"))
        .collect();
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1]);
}

#[tokio::test]
async fn a_gateway_restarted_on_the_same_sqlite_file_still_replays() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gateway.sqlite3");
    let sqlite = |c: &mut atelio_gateway::config::Config| {
        c.idempotency.store = StoreBackend::Sqlite;
        c.idempotency.sqlite_path = path.clone();
    };
    let first = spawn_app_with(sqlite).await;
    first.upstream.on(
        "POST",
        "/customers/",
        vec![Reply::json(201, customer_json())],
    );
    let original = first
        .customers()
        .create_customer(create("durable"))
        .await
        .unwrap()
        .into_inner();
    drop(first);
    let second = spawn_app_with(sqlite).await;
    let again = second
        .customers()
        .create_customer(create("durable"))
        .await
        .unwrap();
    assert!(replayed(&again));
    assert_eq!(again.into_inner(), original);
    assert_eq!(
        second.upstream.count(),
        0,
        "the restarted gateway did not call Atelio"
    );
}

#[tokio::test]
async fn an_expired_record_runs_again() {
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let upstream = FakeUpstream::start().await;
    let config = test_config(&upstream.base_url());
    let app = spawn_with_clock(upstream, config, clock.clone()).await;
    app.upstream.on(
        "POST",
        "/customers/",
        vec![Reply::json(201, customer_json())],
    );
    app.customers()
        .create_customer(create("old"))
        .await
        .unwrap();
    clock.advance(Duration::from_secs(25 * 3600));
    let again = app
        .customers()
        .create_customer(create("old"))
        .await
        .unwrap();
    assert!(!replayed(&again));
    assert_eq!(app.upstream.count(), 2);
}

#[tokio::test]
async fn idempotency_key_exists_on_start_kyc_becomes_the_current_kyc_status() {
    let app = spawn_app().await;
    let path = format!("/customers/{CUSTOMER_ID}/verification-kyc");
    let exists = json!({ "Message": "a request was made with this idempotency key in the past 24 hours", "Code": "idempotency_key_exists", "Type": "Request Error" });
    app.upstream
        .on("POST", &path, vec![Reply::json(400, exists)]);
    app.upstream.on(
        "GET",
        &path,
        vec![Reply::json(
            200,
            json!({ "customer_id": CUSTOMER_ID, "kyc_status": "under_review" }),
        )],
    );
    let req = pb::StartCustomerKycRequest {
        customer_id: CUSTOMER_ID.into(),
        program_id: PROGRAM_ID.into(),
        request_id: "k-exists".into(),
        ..Default::default()
    };
    let got = app
        .customers()
        .start_customer_kyc(req)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.kyc_status, pb::KycStatus::UnderReview as i32);
    assert_eq!(
        (
            app.upstream.hits("POST", &path),
            app.upstream.hits("GET", &path)
        ),
        (1, 1)
    );
    let get = &app.upstream.requests()[1];
    assert_eq!(
        get.query_pairs(),
        vec![("program_id".to_string(), PROGRAM_ID.to_string())]
    );
}
