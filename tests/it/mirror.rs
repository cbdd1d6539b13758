//! The verification mirror against a scripted upstream: status reads inside `max_staleness`
//! answered with no upstream call and saying where they came from; a transition no webhook
//! reported relayed once as `RECONCILED`, and the late webhook of it not relayed again;
//! reconciliation taking no permit while a caller waits for one; identical concurrent reads
//! coalesced into one upstream call.
use std::time::Duration;

use atelio_gateway::proto::v1 as pb;
use pb::subscribe_verification_events_request::Start;
use pb::subscribe_verification_events_response::Item;
use serde_json::json;
use tokio_stream::StreamExt;

use crate::helpers::{fixtures::*, signing::*, *};

fn kyc_path(id: &str) -> String {
    format!("/customers/{id}/verification-kyc")
}

async fn start_kyc(app: &TestApp, id: &str) {
    app.upstream.on(
        "POST",
        &kyc_path(id),
        vec![Reply::json(
            201,
            json!({ "customer_id": id, "kyc_status": "submitted" }),
        )],
    );
    let req = pb::StartCustomerKycRequest {
        customer_id: id.into(),
        program_id: PROGRAM_ID.into(),
        ssn: "123456789".into(),
        ..Default::default()
    };
    app.customers()
        .start_customer_kyc(req)
        .await
        .expect("start");
}

async fn status(
    app: &TestApp,
    max_staleness: Option<Duration>,
) -> pb::GetCustomerKycStatusResponse {
    let req = pb::GetCustomerKycStatusRequest {
        customer_id: CUSTOMER_ID.into(),
        program_id: PROGRAM_ID.into(),
        max_staleness: max_staleness.map(|d| prost_types::Duration {
            seconds: d.as_secs() as i64,
            nanos: d.subsec_nanos() as i32,
        }),
    };
    let got = app.customers().get_customer_kyc_status(req).await;
    got.expect("status").into_inner()
}

fn source(r: &pb::GetCustomerKycStatusResponse) -> (pb::StatusSource, pb::LearnedFrom) {
    let p = r.provenance.expect("provenance");
    (p.source(), p.learned_from())
}

fn kyc_status(r: &pb::GetCustomerKycStatusResponse) -> pb::KycStatus {
    r.verification.as_ref().expect("verification").kyc_status()
}

fn success_webhook(id: &str) -> serde_json::Value {
    json!({ "event": "kyc.verification.success", "customer_id": id, "occurred_at": "2024-01-01T00:00:00Z" })
}

#[tokio::test]
async fn a_status_read_inside_max_staleness_makes_no_upstream_call() {
    let app = spawn_app().await;
    start_kyc(&app, CUSTOMER_ID).await;
    assert_eq!(app.upstream.count(), 1);

    let read = status(&app, Some(Duration::from_secs(60))).await;
    assert_eq!(app.upstream.count(), 1, "answered from the mirror");
    assert_eq!(
        source(&read),
        (pb::StatusSource::Mirror, pb::LearnedFrom::Response)
    );
    assert_eq!(kyc_status(&read), pb::KycStatus::Submitted);

    // A relayed webhook settles it; a final state is answered whatever its age.
    let client = reqwest::Client::new();
    let url = app.webhook_url.clone();
    assert_eq!(
        post_signed(&client, &url, &success_webhook(CUSTOMER_ID))
            .await
            .0,
        200
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    let read = status(&app, Some(Duration::from_millis(1))).await;
    assert_eq!(
        app.upstream.count(),
        1,
        "a final state needs no upstream call"
    );
    assert_eq!(
        source(&read),
        (pb::StatusSource::Mirror, pb::LearnedFrom::Webhook)
    );
    assert_eq!(kyc_status(&read), pb::KycStatus::Passed);

    // Without max_staleness the read goes to Atelio and says so.
    app.upstream.on(
        "GET",
        &kyc_path(CUSTOMER_ID),
        vec![Reply::json(
            200,
            json!({ "customer_id": CUSTOMER_ID, "kyc_status": "passed" }),
        )],
    );
    let read = status(&app, None).await;
    assert_eq!(app.upstream.hits("GET", &kyc_path(CUSTOMER_ID)), 1);
    assert_eq!(
        source(&read),
        (pb::StatusSource::Upstream, pb::LearnedFrom::Response)
    );
}

#[tokio::test]
async fn a_stale_mirror_state_is_read_from_atelio_and_learned() {
    let app = spawn_app().await;
    start_kyc(&app, CUSTOMER_ID).await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    app.upstream.on(
        "GET",
        &kyc_path(CUSTOMER_ID),
        vec![Reply::json(
            200,
            json!({ "customer_id": CUSTOMER_ID, "kyc_status": "under review" }),
        )],
    );
    let read = status(&app, Some(Duration::from_millis(10))).await;
    assert_eq!(
        app.upstream.hits("GET", &kyc_path(CUSTOMER_ID)),
        1,
        "too old"
    );
    assert_eq!(kyc_status(&read), pb::KycStatus::UnderReview);
    let read = status(&app, Some(Duration::from_secs(60))).await;
    assert_eq!(app.upstream.hits("GET", &kyc_path(CUSTOMER_ID)), 1);
    assert_eq!(
        kyc_status(&read),
        pb::KycStatus::UnderReview,
        "the read was learned"
    );
}

fn fast_reconciliation(c: &mut atelio_gateway::config::Config) {
    c.mirror.first_poll_ms = 100;
    c.mirror.max_poll_interval_ms = 200;
    c.mirror.tick_ms = 50;
}

async fn events_of(app: &TestApp) -> Vec<pb::VerificationEvent> {
    let req = pb::ListVerificationEventsRequest::default();
    let listed = app.events().list_verification_events(req).await;
    listed.expect("list").into_inner().events
}

#[tokio::test]
async fn a_late_webhook_after_a_reconciled_event_is_not_relayed_twice() {
    let app = spawn_app_with(fast_reconciliation).await;
    let req = pb::SubscribeVerificationEventsRequest {
        filter: None,
        start: Some(Start::FromNow(true)),
    };
    let mut stream = app
        .events()
        .subscribe_verification_events(req)
        .await
        .expect("subscribe")
        .into_inner();
    app.upstream.on(
        "GET",
        &kyc_path(CUSTOMER_ID),
        vec![Reply::json(
            200,
            json!({ "customer_id": CUSTOMER_ID, "kyc_status": "passed" }),
        )],
    );
    start_kyc(&app, CUSTOMER_ID).await;
    let event = loop {
        let item = tokio::time::timeout(Duration::from_secs(10), stream.next()).await;
        let item = item
            .expect("an event within 10 s")
            .expect("open")
            .expect("ok");
        if let Some(Item::Event(e)) = item.item {
            break e;
        }
    };
    assert_eq!(event.kind(), pb::VerificationEventKind::KycSuccess);
    assert_eq!(event.origin(), pb::EventOrigin::Reconciled);
    assert_eq!(event.program_id, PROGRAM_ID);

    let client = reqwest::Client::new();
    let url = app.webhook_url.clone();
    assert_eq!(
        post_signed(&client, &url, &success_webhook(CUSTOMER_ID))
            .await
            .0,
        200
    );
    let events = events_of(&app).await;
    assert_eq!(
        events.len(),
        1,
        "the late webhook is the same transition: {events:?}"
    );
    // The transition was learned: reconciliation stops polling a final state.
    let polled = app.upstream.hits("GET", &kyc_path(CUSTOMER_ID));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.upstream.hits("GET", &kyc_path(CUSTOMER_ID)), polled);
}

#[tokio::test]
async fn reconciliation_takes_no_permit_a_caller_is_waiting_for() {
    let app = spawn_app_with(|c| {
        fast_reconciliation(c);
        c.rate_limit.per_minute = 120;
        c.rate_limit.burst = 1;
        c.mirror.reconcile_share = 1.0;
    })
    .await;
    // Pending verifications that never settle keep reconciliation hungry.
    let ids: Vec<String> = (0..4).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    app.upstream.on_prefix(
        "GET",
        "/customers/",
        vec![Reply::json(200, json!({ "kyc_status": "under review" }))],
    );
    for id in &ids {
        start_kyc(&app, id).await;
    }
    let polls = |app: &TestApp| {
        let is_poll =
            |r: &upstream::Recorded| r.method == "GET" && r.path.ends_with("verification-kyc");
        app.upstream
            .requests()
            .iter()
            .filter(|r| is_poll(r))
            .count()
    };
    let until = tokio::time::Instant::now() + Duration::from_secs(10);
    while polls(&app) < 3 {
        assert!(tokio::time::Instant::now() < until, "reconciliation polls");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A caller asking faster than the budget refills is always waiting for the next permit.
    let customer = format!("/customers/{CUSTOMER_ID}");
    app.upstream.on(
        "GET",
        &customer,
        vec![Reply::json(200, json!({ "customer_id": CUSTOMER_ID }))],
    );
    for _ in 0..8 {
        let req = pb::GetCustomerRequest {
            customer_id: CUSTOMER_ID.into(),
        };
        let _ = app.customers().get_customer(req).await;
    }
    let seen = app.upstream.requests();
    let is_call = |r: &upstream::Recorded| r.path == customer;
    let first = seen.iter().position(is_call).expect("calls reached Atelio");
    let last = seen
        .iter()
        .rposition(is_call)
        .expect("calls reached Atelio");
    let between = &seen[first..=last];
    assert_eq!(between.iter().filter(|r| is_call(r)).count(), 8);
    assert_eq!(
        between.len(),
        8,
        "no reconciliation poll took a permit while the caller waited"
    );
    app.upstream.clear();
    let until = tokio::time::Instant::now() + Duration::from_secs(10);
    while polls(&app) == 0 {
        assert!(
            tokio::time::Instant::now() < until,
            "polls resume once callers are idle"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn identical_concurrent_status_reads_make_one_upstream_call() {
    let app = spawn_app().await;
    let body = json!({ "customer_id": CUSTOMER_ID, "kyc_status": "under review" });
    let slow = Reply::json(200, body).with_delay(Duration::from_millis(800));
    app.upstream.on("GET", &kyc_path(CUSTOMER_ID), vec![slow]);
    let reads = (0..10).map(|_| {
        let mut customers = app.customers();
        tokio::spawn(async move {
            let req = pb::GetCustomerKycStatusRequest {
                customer_id: CUSTOMER_ID.into(),
                program_id: PROGRAM_ID.into(),
                max_staleness: None,
            };
            let got = customers.get_customer_kyc_status(req).await;
            kyc_status(&got.expect("status").into_inner())
        })
    });
    for read in reads.collect::<Vec<_>>() {
        assert_eq!(read.await.expect("task"), pb::KycStatus::UnderReview);
    }
    assert_eq!(
        app.upstream.hits("GET", &kyc_path(CUSTOMER_ID)),
        1,
        "one call for ten reads"
    );
    // Once it is over, the next read asks again.
    status(&app, None).await;
    assert_eq!(app.upstream.hits("GET", &kyc_path(CUSTOMER_ID)), 2);
}
