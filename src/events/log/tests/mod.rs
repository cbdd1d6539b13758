//! The one conformance suite every [`EventLog`] backend must pass, written once as generic
//! functions (filters and retention in their own files); `backends.rs` runs each case
//! against `MemoryLog` and `SqliteLog`.
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use super::*;
mod filters;
mod retention;

pub(crate) use filters::*;
pub(crate) use retention::*;

/// The retention every backend under test uses (enforced only when a case asks).
pub(crate) const RETENTION: Retention = Retention {
    max_age: Duration::from_secs(3600),
    max_events: 5,
    dedupe_window: Duration::from_secs(7 * 24 * 3600),
};

pub(crate) fn event(key: &str, kind: EventKind, subject: Subject) -> NewEvent {
    NewEvent {
        received_at_ms: None,
        dedupe_key: key.to_owned(),
        also_dedupe: None,
        kind,
        subject,
        payload: Bytes::from(format!("payload of {key}")),
    }
}

pub(crate) fn customer(key: &str) -> NewEvent {
    event(
        key,
        EventKind::KycSuccess,
        Subject::Customer(format!("cus-{key}")),
    )
}

pub(crate) async fn append(log: &dyn EventLog, e: NewEvent) -> Appended {
    log.append(e).await.expect("append")
}

/// Appends `customer(key)` for each key; returns the new sequences.
pub(crate) async fn append_all(log: &dyn EventLog, keys: &[&str]) -> Vec<u64> {
    let mut sequences = Vec::new();
    for key in keys {
        match append(log, customer(key)).await {
            Appended::New(sequence) => sequences.push(sequence),
            other => panic!("{key} was not stored: {other:?}"),
        }
    }
    sequences
}

pub(crate) async fn sequences_after(log: &dyn EventLog, after: u64, filter: &Filter) -> Vec<u64> {
    let read = log.read_after(after, filter, 1000).await.expect("read");
    read.iter().map(|e| e.sequence).collect()
}

pub(crate) async fn append_assigns_increasing_sequences_starting_at_one(
    log: &dyn EventLog,
    _: &ManualClock,
) {
    assert_eq!(append_all(log, &["a", "b", "c"]).await, vec![1, 2, 3]);
}

pub(crate) async fn a_duplicate_key_within_the_window_returns_the_first_sequence_and_stores_nothing(
    log: &dyn EventLog,
    clock: &ManualClock,
) {
    append_all(log, &["a", "b"]).await;
    clock.advance(RETENTION.dedupe_window - Duration::from_millis(1));
    let again = event("a", EventKind::KybApproved, Subject::None);
    assert_eq!(append(log, again).await, Appended::Duplicate(1));
    assert_eq!(sequences_after(log, 0, &Filter::default()).await, [1, 2]);
    assert_eq!(log.bounds().await.expect("bounds").latest, 2);
    let first = log.get(1).await.expect("get").expect("first copy");
    assert_eq!(
        first.kind,
        EventKind::KycSuccess,
        "the first copy is unchanged"
    );
}

pub(crate) async fn a_second_key_dedupes_against_either_key_and_outlives_retention(
    log: &dyn EventLog,
    clock: &ManualClock,
) {
    let with = |key: &str, also: &str| NewEvent {
        also_dedupe: Some(also.to_owned()),
        ..customer(key)
    };
    // A reconciled event (its transition key only), then the late webhook (body key + the same
    // transition key): one event.
    assert_eq!(append(log, customer("transition")).await, Appended::New(1));
    assert_eq!(
        append(log, with("body", "transition")).await,
        Appended::Duplicate(1)
    );
    // The other order: the webhook first, then reconciliation's copy, or a redelivery.
    assert_eq!(
        append(log, with("body-2", "transition-2")).await,
        Appended::New(2)
    );
    assert_eq!(
        append(log, customer("transition-2")).await,
        Appended::Duplicate(2)
    );
    assert_eq!(
        append(log, with("body-2", "other")).await,
        Appended::Duplicate(2)
    );
    assert_eq!(sequences_after(log, 0, &Filter::default()).await, [1, 2]);
    // Both keys outlive the event itself (retention by count), and lapse with the window.
    append_all(log, &["c", "d", "e", "f", "g", "h"]).await;
    log.enforce_retention().await.expect("retention");
    assert_eq!(log.get(2).await.expect("get"), None);
    assert_eq!(
        append(log, customer("transition-2")).await,
        Appended::Duplicate(0)
    );
    clock.advance(RETENTION.dedupe_window);
    assert!(matches!(
        append(log, customer("transition-2")).await,
        Appended::New(_)
    ));
}

pub(crate) async fn a_key_seen_again_after_its_window_is_stored_as_new(
    log: &dyn EventLog,
    clock: &ManualClock,
) {
    append_all(log, &["a"]).await;
    clock.advance(RETENTION.dedupe_window);
    assert_eq!(append(log, customer("a")).await, Appended::New(2));
    assert_eq!(append(log, customer("a")).await, Appended::Duplicate(2));
}

pub(crate) async fn a_stored_event_reads_back_exactly_as_appended(
    log: &dyn EventLog,
    clock: &ManualClock,
) {
    let payload = Bytes::from_static(b"\x00\xffproto bytes");
    let new = NewEvent {
        received_at_ms: None,
        payload: payload.clone(),
        ..event("k", EventKind::Unknown, Subject::None)
    };
    append(log, new).await;
    let expected = StoredEvent {
        sequence: 1,
        received_at_ms: clock.now_ms(),
        kind: EventKind::Unknown,
        subject: Subject::None,
        payload,
    };
    assert_eq!(log.get(1).await.expect("get"), Some(expected.clone()));
    let read = log.read_after(0, &Filter::default(), 10).await;
    assert_eq!(read.expect("read"), vec![expected]);
}

pub(crate) async fn read_after_returns_ascending_events_after_the_cursor_up_to_the_limit(
    log: &dyn EventLog,
    _: &ManualClock,
) {
    append_all(log, &["a", "b", "c", "d", "e"]).await;
    let any = Filter::default();
    let page = log.read_after(1, &any, 2).await.expect("read");
    let keys: Vec<_> = page
        .iter()
        .map(|e| (e.sequence, e.subject.clone()))
        .collect();
    let want = [(2, "cus-b"), (3, "cus-c")].map(|(s, id)| (s, Subject::Customer(id.into())));
    assert_eq!(keys, want);
    assert_eq!(sequences_after(log, 3, &any).await, [4, 5]);
    assert!(sequences_after(log, 5, &any).await.is_empty());
    assert!(sequences_after(log, 99, &any).await.is_empty());
    assert!(log.read_after(0, &any, 0).await.expect("read").is_empty());
}

pub(crate) async fn get_returns_a_retained_event_and_none_otherwise(
    log: &dyn EventLog,
    _: &ManualClock,
) {
    append_all(log, &["a", "b"]).await;
    let second = log.get(2).await.expect("get").expect("stored");
    assert_eq!(second.subject, Subject::Customer("cus-b".into()));
    for missing in [0, 3, u64::MAX] {
        assert_eq!(log.get(missing).await.expect("get"), None);
    }
}

pub(crate) async fn bounds_are_empty_at_first_then_span_the_stored_events(
    log: &dyn EventLog,
    _: &ManualClock,
) {
    let empty = Bounds {
        oldest: None,
        latest: 0,
    };
    assert_eq!(log.bounds().await.expect("bounds"), empty);
    append_all(log, &["a", "b", "c"]).await;
    let full = Bounds {
        oldest: Some(1),
        latest: 3,
    };
    assert_eq!(log.bounds().await.expect("bounds"), full);
}

pub(crate) async fn two_hundred_concurrent_appends_get_distinct_sequences_read_back_in_order(
    log: Arc<dyn EventLog>,
) {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let log = Arc::clone(&log);
        tasks.spawn(async move { log.append(customer(&format!("k{i}"))).await });
    }
    let mut assigned = BTreeSet::new();
    while let Some(done) = tasks.join_next().await {
        match done.expect("task").expect("append") {
            Appended::New(sequence) => assert!(assigned.insert(sequence), "{sequence} twice"),
            other => panic!("a distinct key was a duplicate: {other:?}"),
        }
    }
    let read = sequences_after(&*log, 0, &Filter::default()).await;
    assert_eq!(read, assigned.into_iter().collect::<Vec<_>>());
    assert_eq!(read, (1..=200).collect::<Vec<_>>());
}

pub(crate) async fn twenty_concurrent_appends_of_one_key_store_it_once(log: Arc<dyn EventLog>) {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let log = Arc::clone(&log);
        tasks.spawn(async move { log.append(customer("same")).await });
    }
    let mut answers = Vec::new();
    while let Some(done) = tasks.join_next().await {
        answers.push(done.expect("task").expect("append"));
    }
    assert_eq!(
        answers.iter().filter(|a| **a == Appended::New(1)).count(),
        1
    );
    let duplicates = answers.iter().filter(|a| **a == Appended::Duplicate(1));
    assert_eq!(duplicates.count(), 19);
    assert_eq!(sequences_after(&*log, 0, &Filter::default()).await, [1]);
}
mod backends;
