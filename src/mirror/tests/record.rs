use crate::mirror::record::*;
use crate::mirror::state::{State, SubjectKind};

fn key() -> Key {
    Key {
        kind: SubjectKind::Customer,
        id: "c1".into(),
        program: "p1".into(),
    }
}

fn seen(state: State, source: Source, at_ms: i64) -> Observation {
    Observation {
        state,
        raw: format!("{state:?}"),
        source,
        at_ms,
        documents: Vec::new(),
        body: None,
    }
}

#[test]
fn a_start_begins_an_attempt_and_forgets_what_was_relayed() {
    let mut r = Record::new(key(), None, 1);
    r.relayed_by_webhook = State::Passed.bit();
    r.documents_requested_at_ms = Some(5);
    r.begin_attempt(10);
    assert_eq!((r.attempt, r.started_at_ms), (1, 10));
    assert_eq!(r.relayed_by_webhook, 0);
    assert_eq!(r.documents_requested_at_ms, None);
    assert!(r.needs_relay(State::Passed));
}

#[test]
fn history_records_changes_only_and_stays_bounded() {
    let mut r = Record::new(key(), None, 0);
    assert!(r.observe(seen(State::Submitted, Source::Response, 1)));
    assert!(!r.observe(seen(State::Submitted, Source::Reconciliation, 2)));
    assert_eq!(r.learned_from, Source::Reconciliation);
    assert_eq!(r.history.len(), 1);
    for i in 0..100 {
        let s = if i % 2 == 0 {
            State::UnderReview
        } else {
            State::DocumentRequired
        };
        r.observe(seen(s, Source::Webhook, 10 + i));
    }
    assert_eq!(r.history.len(), MAX_HISTORY);
    assert_eq!(r.history.last().map(|t| t.at_ms), Some(109));
}

#[test]
fn a_document_request_is_dated_once_per_attempt() {
    let mut r = Record::new(key(), None, 0);
    r.begin_attempt(1);
    r.observe(seen(State::DocumentRequired, Source::Webhook, 5));
    r.observe(seen(State::DocumentRequired, Source::Reconciliation, 9));
    assert_eq!(r.documents_requested_at_ms, Some(5));
    assert_eq!(r.documents_expire_at_ms(100), Some(105));
    assert!(r.documents_were_requested());
    r.begin_attempt(20);
    assert!(!r.documents_were_requested());
}

#[test]
fn relays_are_decided_per_state_and_origin() {
    let mut r = Record::new(key(), None, 0);
    r.begin_attempt(1);
    assert!(r.needs_relay(State::Passed));
    assert!(r.webhook_may_repeat(State::Passed));
    r.relayed_by_reconciliation |= State::Passed.bit();
    assert!(!r.needs_relay(State::Passed), "reconciliation relays once");
    assert!(
        r.webhook_may_repeat(State::Passed),
        "a late webhook carries the transition key"
    );
    r.relayed_by_webhook |= State::DocumentRequired.bit();
    assert!(!r.webhook_may_repeat(State::DocumentRequired));
    assert_ne!(
        r.transition_key(State::Passed),
        r.transition_key(State::Failed)
    );
    let first = r.transition_key(State::Passed);
    r.begin_attempt(2);
    assert_ne!(first, r.transition_key(State::Passed), "per attempt");
}
