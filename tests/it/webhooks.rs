//! The webhook listener: signed events are stored typed and answered 200 only once stored;
//! re-deliveries are acknowledged without a second append; every kind of bad request gets its
//! status, is counted, and stores nothing.
use std::sync::atomic::Ordering;

use atelio_gateway::proto::v1 as pb;
use serde_json::{Value, json};

use crate::helpers::{fixtures::*, signing::*, *};

fn success(occurred_at: &str) -> Value {
    json!({ "event": "kyc.verification.success", "customer_id": CUSTOMER_ID, "occurred_at": occurred_at })
}

async fn stored(app: &TestApp) -> Vec<pb::VerificationEvent> {
    let req = pb::ListVerificationEventsRequest {
        page_size: 1000,
        ..Default::default()
    };
    app.events()
        .list_verification_events(req)
        .await
        .unwrap()
        .into_inner()
        .events
}

#[tokio::test]
async fn a_signed_event_is_stored_typed_and_answered_with_its_cursor() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let doc = json!({
        "event": "kyc.verification.document_required", "customer_id": CUSTOMER_ID, "inquiry_id": "inq_123",
        "occurred_at": "2021-02-02-00:50:58.484840+00:00",
        "documents": [{ "document_type": "government_id", "upload_link": "https://withpersona.com/verify?inquiry-id=inq_123", "status": "required" }]
    });
    let (status, answer) = post_signed(&client, &app.webhook_url, &doc).await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("stored")));
    let events = stored(&app).await;
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(answer["cursor"].as_str(), Some(e.cursor.as_str()));
    assert_eq!(
        e.kind,
        pb::VerificationEventKind::KycDocumentRequired as i32
    );
    assert_eq!(
        e.subject,
        Some(pb::verification_event::Subject::CustomerId(
            CUSTOMER_ID.into()
        ))
    );
    assert_eq!(
        (e.documents[0].document_type.as_str(), e.inquiry_id.as_str()),
        ("government_id", "inq_123")
    );
    assert_eq!(e.occurred_at.unwrap().seconds, 1_612_227_058);
    assert_eq!(serde_json::from_str::<Value>(&e.raw_json).unwrap(), doc);
    assert_eq!(app.counters.accepted.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn a_redelivery_is_acknowledged_and_stored_once() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let event = success("2022-06-09T18:23:37.585421Z");
    assert_eq!(post_signed(&client, &app.webhook_url, &event).await.0, 200);
    let (status, answer) = post_signed(&client, &app.webhook_url, &event).await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("duplicate"))
    );
    assert_eq!(stored(&app).await.len(), 1);
    assert_eq!(app.counters.duplicate.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn events_of_other_families_are_kept_raw_as_unknown() {
    let app = spawn_app().await;
    let card = json!({ "event": "card.created", "card": { "card_id": "c1", "last_four": "4242" }, "occurred_at": "2019-08-24T14:15:22Z" });
    assert_eq!(
        post_signed(&reqwest::Client::new(), &app.webhook_url, &card)
            .await
            .0,
        200
    );
    let e = &stored(&app).await[0];
    assert_eq!(
        (e.kind, e.event_name.as_str()),
        (pb::VerificationEventKind::Unknown as i32, "card.created")
    );
    assert_eq!(app.counters.unknown.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn bad_requests_get_their_status_are_counted_and_store_nothing() {
    let app = spawn_app_with(|c| c.webhook.max_body_bytes = 4096).await;
    let client = reqwest::Client::new();
    let body = serde_json::to_vec(&success("2019-08-24T14:15:22Z")).unwrap();
    let url = &app.webhook_url;
    let cases: Vec<(&str, Vec<u8>, Option<String>, u16)> = vec![
        (
            "wrong secret",
            body.clone(),
            Some(header("whsec_someone_else", now(), &body)),
            401,
        ),
        (
            "tampered body",
            b"{\"event\":\"kyc.verification.failure\"}".to_vec(),
            Some(header(SECRET, now(), &body)),
            401,
        ),
        (
            "stale",
            body.clone(),
            Some(header(SECRET, now() - 301, &body)),
            401,
        ),
        (
            "future",
            body.clone(),
            Some(header(SECRET, now() + 301, &body)),
            401,
        ),
        ("missing header", body.clone(), None, 401),
        ("malformed header", body.clone(), Some("v2=abc".into()), 401),
        (
            "oversized",
            vec![b' '; 8192],
            Some(header(SECRET, now(), &vec![b' '; 8192])),
            413,
        ),
        (
            "not json",
            b"hello".to_vec(),
            Some(header(SECRET, now(), b"hello")),
            400,
        ),
    ];
    for (name, payload, sig, want) in cases {
        let (status, _) = post(&client, url, payload, sig).await;
        assert_eq!(status, want, "{name}");
    }
    assert!(stored(&app).await.is_empty(), "nothing is stored");
    let c = &app.counters;
    let load = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
    assert_eq!(
        (
            load(&c.bad_signature),
            load(&c.stale),
            load(&c.malformed),
            load(&c.unparseable)
        ),
        (2, 2, 2, 1)
    );
}
