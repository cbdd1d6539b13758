use std::sync::Arc;
use std::time::Duration;

use prost::Message;

use crate::events::hub::Hub;
use crate::events::log::{Appended, Filter, Retention, SystemClock};
use crate::events::memory_log::MemoryLog;
use crate::events::model::{EventKind, ParsedEvent, Subject};
use crate::mirror::learn::Learned;
use crate::mirror::record::{Key, Source};
use crate::mirror::schedule::Schedule;
use crate::mirror::state::SubjectKind;
use crate::mirror::store::MemoryMirror;
use crate::mirror::{Mirror, relay};
use crate::proto::v1 as pb;

async fn mirror() -> Mirror {
    let log = Arc::new(MemoryLog::new(Retention::default(), Arc::new(SystemClock)));
    let hub = Hub::open(log, 64).await.expect("hub");
    let schedule = Schedule {
        first_poll: Duration::from_secs(1),
        max_interval: Duration::from_secs(60),
    };
    let week4 = Duration::from_secs(28 * 24 * 3600);
    Mirror::new(Arc::new(MemoryMirror::default()), hub, schedule, week4)
}

fn key() -> Key {
    Key {
        kind: SubjectKind::Customer,
        id: "c1".into(),
        program: "p1".into(),
    }
}

fn webhook(kind: EventKind, name: &str) -> ParsedEvent {
    ParsedEvent {
        kind,
        event_name: name.into(),
        ..ParsedEvent::kyc_success_for("c1")
    }
}

async fn events(m: &Mirror) -> Vec<pb::VerificationEvent> {
    let stored = m.hub().log().read_after(0, &Filter::default(), 100).await;
    let stored = stored.expect("read");
    stored
        .iter()
        .map(|s| pb::VerificationEvent::decode(s.payload.clone()).expect("decode"))
        .collect()
}

async fn start(m: &Mirror) {
    m.learn(
        key(),
        None,
        Learned::from_start("submitted"),
        Source::Response,
        true,
    )
    .await;
}

async fn poll_shows(m: &Mirror, status: &str) {
    let body = serde_json::json!({ "customer_id": "c1", "kyc_status": status });
    let l = Learned::from_body(SubjectKind::Customer, &body);
    m.learn(key(), None, l, Source::Reconciliation, false).await;
}

#[tokio::test]
async fn a_late_webhook_after_a_reconciled_transition_is_not_relayed_again() {
    let m = mirror().await;
    start(&m).await;
    poll_shows(&m, "passed").await;
    poll_shows(&m, "passed").await;
    let late = webhook(EventKind::KycSuccess, "kyc.verification.success");
    let appended = relay::webhook(Some(&m), m.hub(), late, "body-1".into()).await;
    assert!(
        matches!(appended, Ok(Appended::Duplicate(1))),
        "{appended:?}"
    );
    let got = events(&m).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].origin, pb::EventOrigin::Reconciled as i32);
    assert_eq!(got[0].program_id, "p1");
    assert_eq!(got[0].kind, pb::VerificationEventKind::KycSuccess as i32);
}

#[tokio::test]
async fn a_webhook_first_leaves_reconciliation_nothing_to_relay() {
    let m = mirror().await;
    start(&m).await;
    let w = webhook(EventKind::KycSuccess, "kyc.verification.success");
    let appended = relay::webhook(Some(&m), m.hub(), w, "body-1".into()).await;
    assert!(matches!(appended, Ok(Appended::New(1))));
    poll_shows(&m, "passed").await;
    let got = events(&m).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].origin, pb::EventOrigin::Webhook as i32);
    let r = m.store().load(&key()).await.expect("load").expect("record");
    assert_eq!(r.learned_from, Source::Reconciliation);
    assert_eq!(r.next_poll_ms, None, "a verdict is not polled");
}

#[tokio::test]
async fn a_timeout_says_whether_documents_were_requested_in_its_attempt() {
    let m = mirror().await;
    start(&m).await;
    let timeout = || webhook(EventKind::KycTimeout, "kyc.verification.timeout");
    relay::webhook(Some(&m), m.hub(), timeout(), "t1".into())
        .await
        .expect("append");
    start(&m).await;
    let dr = webhook(
        EventKind::KycDocumentRequired,
        "kyc.verification.document_required",
    );
    relay::webhook(Some(&m), m.hub(), dr, "d2".into())
        .await
        .expect("append");
    relay::webhook(Some(&m), m.hub(), timeout(), "t2".into())
        .await
        .expect("append");
    let got = events(&m).await;
    assert_eq!(got.len(), 3);
    assert!(!got[0].document_request_preceded, "a vendor time-out");
    assert!(got[2].document_request_preceded, "the document deadline");
}

#[tokio::test]
async fn a_transition_reconciled_in_one_attempt_is_relayed_again_in_the_next() {
    let m = mirror().await;
    start(&m).await;
    poll_shows(&m, "error").await;
    start(&m).await;
    poll_shows(&m, "error").await;
    let kinds: Vec<i32> = events(&m).await.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec![pb::VerificationEventKind::KycError as i32; 2]);
}

#[tokio::test]
async fn without_a_record_a_webhook_is_relayed_as_before() {
    let m = mirror().await;
    let w = ParsedEvent {
        subject: Subject::Business("b9".into()),
        ..webhook(EventKind::KybApproved, "kyb.verification.approved")
    };
    let appended = relay::webhook(Some(&m), m.hub(), w, "b".into()).await;
    assert!(matches!(appended, Ok(Appended::New(1))));
    assert_eq!(events(&m).await[0].origin, pb::EventOrigin::Webhook as i32);
}
