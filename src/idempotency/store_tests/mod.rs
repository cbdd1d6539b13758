//! The one conformance suite every [`IdempotencyStore`] backend must pass, written once as
//! generic functions; `backends.rs` runs each case against `MemoryStore` and `SqliteStore`.
use std::sync::Arc;
use std::time::Duration;

use super::*;

const LEASE: Duration = Duration::from_secs(30);
const TTL: Duration = Duration::from_secs(24 * 3600);
const FP: Fingerprint = [1; 32];
const OTHER_FP: Fingerprint = [2; 32];

fn outcome(ok: bool, payload: &[u8]) -> Outcome {
    Outcome {
        ok,
        payload: payload.to_vec(),
    }
}

async fn begin(store: &dyn IdempotencyStore, key: &str, fp: Fingerprint) -> Begin {
    store.begin(key, fp, LEASE, TTL).await.expect("begin")
}

async fn peek(store: &dyn IdempotencyStore, key: &str, fp: Fingerprint) -> Begin {
    store.peek(key, fp).await.expect("peek")
}

pub(crate) async fn begin_on_a_fresh_key_proceeds(store: &dyn IdempotencyStore, _: &ManualClock) {
    assert_eq!(begin(store, "k", FP).await, Begin::Proceed);
}

pub(crate) async fn a_second_begin_while_in_flight_is_in_flight(
    store: &dyn IdempotencyStore,
    clock: &ManualClock,
) {
    begin(store, "k", FP).await;
    clock.advance(LEASE - Duration::from_millis(1));
    assert_eq!(begin(store, "k", FP).await, Begin::InFlight);
}

pub(crate) async fn a_completed_operation_replays_its_exact_outcome(
    store: &dyn IdempotencyStore,
    _: &ManualClock,
) {
    for (key, done) in [
        ("ok", outcome(true, b"\x00response\xff")),
        ("err", outcome(false, b"")),
    ] {
        begin(store, key, FP).await;
        store.complete(key, done.clone()).await.expect("complete");
        assert_eq!(begin(store, key, FP).await, Begin::Replay(done.clone()));
        assert_eq!(peek(store, key, FP).await, Begin::Replay(done));
    }
}

pub(crate) async fn a_different_fingerprint_is_a_mismatch_and_changes_nothing(
    store: &dyn IdempotencyStore,
    _: &ManualClock,
) {
    begin(store, "flying", FP).await;
    assert_eq!(begin(store, "flying", OTHER_FP).await, Begin::Mismatch);
    assert_eq!(begin(store, "flying", FP).await, Begin::InFlight);
    begin(store, "done", FP).await;
    store
        .complete("done", outcome(true, b"r"))
        .await
        .expect("complete");
    assert_eq!(begin(store, "done", OTHER_FP).await, Begin::Mismatch);
    assert_eq!(peek(store, "done", OTHER_FP).await, Begin::Mismatch);
    assert_eq!(
        begin(store, "done", FP).await,
        Begin::Replay(outcome(true, b"r"))
    );
}

pub(crate) async fn release_lets_the_next_begin_proceed(
    store: &dyn IdempotencyStore,
    _: &ManualClock,
) {
    begin(store, "k", FP).await;
    store.release("k").await.expect("release");
    assert_eq!(begin(store, "k", OTHER_FP).await, Begin::Proceed);
    store
        .release("never-begun")
        .await
        .expect("releasing nothing is fine");
}

pub(crate) async fn abandon_keeps_the_record_and_the_next_begin_resumes_it(
    store: &dyn IdempotencyStore,
    clock: &ManualClock,
) {
    let started = clock.now_ms();
    begin(store, "k", FP).await;
    clock.advance(Duration::from_secs(1));
    store.abandon("k").await.expect("abandon");
    let resume = Begin::Resume {
        first_attempt_ms: started,
    };
    assert_eq!(
        peek(store, "k", FP).await,
        resume,
        "the lease lapsed at once"
    );
    assert_eq!(
        begin(store, "k", OTHER_FP).await,
        Begin::Mismatch,
        "its request is still known"
    );
    assert_eq!(begin(store, "k", FP).await, resume);
    assert_eq!(
        begin(store, "k", FP).await,
        Begin::InFlight,
        "resumed under a new lease"
    );
    store.abandon("k").await.expect("abandon");
    assert_eq!(
        begin(store, "k", FP).await,
        resume,
        "the first attempt's time survives every resume"
    );
    store
        .abandon("never-begun")
        .await
        .expect("abandoning nothing is fine");
    assert_eq!(peek(store, "never-begun", FP).await, Begin::Proceed);
}

pub(crate) async fn abandon_does_not_touch_a_completed_record(
    store: &dyn IdempotencyStore,
    _: &ManualClock,
) {
    begin(store, "k", FP).await;
    store
        .complete("k", outcome(true, b"r"))
        .await
        .expect("complete");
    store.abandon("k").await.expect("abandon");
    assert_eq!(
        begin(store, "k", FP).await,
        Begin::Replay(outcome(true, b"r"))
    );
}

pub(crate) async fn release_does_not_delete_a_completed_record(
    store: &dyn IdempotencyStore,
    _: &ManualClock,
) {
    begin(store, "k", FP).await;
    store
        .complete("k", outcome(true, b"r"))
        .await
        .expect("complete");
    store.release("k").await.expect("release");
    assert_eq!(
        begin(store, "k", FP).await,
        Begin::Replay(outcome(true, b"r"))
    );
}

pub(crate) async fn complete_without_a_record_is_a_no_op(
    store: &dyn IdempotencyStore,
    _: &ManualClock,
) {
    store
        .complete("gone", outcome(true, b"r"))
        .await
        .expect("complete");
    assert_eq!(peek(store, "gone", FP).await, Begin::Proceed);
    begin(store, "k", FP).await;
    store
        .complete("k", outcome(true, b"first"))
        .await
        .expect("complete");
    store
        .complete("k", outcome(false, b"second"))
        .await
        .expect("complete again");
    assert_eq!(
        peek(store, "k", FP).await,
        Begin::Replay(outcome(true, b"first"))
    );
}

pub(crate) async fn an_expired_record_runs_again(
    store: &dyn IdempotencyStore,
    clock: &ManualClock,
) {
    begin(store, "k", FP).await;
    store
        .complete("k", outcome(true, b"old"))
        .await
        .expect("complete");
    clock.advance(TTL);
    assert_eq!(peek(store, "k", OTHER_FP).await, Begin::Proceed);
    assert_eq!(begin(store, "k", OTHER_FP).await, Begin::Proceed);
    assert_eq!(begin(store, "k", OTHER_FP).await, Begin::InFlight);
    assert_eq!(begin(store, "k", FP).await, Begin::Mismatch);
}

pub(crate) async fn an_expired_lease_is_taken_over_and_keeps_its_expiry(
    store: &dyn IdempotencyStore,
    clock: &ManualClock,
) {
    let started = clock.now_ms();
    begin(store, "k", FP).await;
    clock.advance(LEASE);
    let resume = Begin::Resume {
        first_attempt_ms: started,
    };
    assert_eq!(peek(store, "k", FP).await, resume);
    assert_eq!(peek(store, "k", OTHER_FP).await, Begin::Mismatch);
    assert_eq!(
        begin(store, "k", FP).await,
        resume,
        "a dead replica's call resumes"
    );
    assert_eq!(
        begin(store, "k", FP).await,
        Begin::InFlight,
        "the new lease holds"
    );
    clock.advance(TTL - LEASE);
    assert_eq!(
        store.purge_expired().await.expect("purge"),
        1,
        "expiry unchanged"
    );
}

pub(crate) async fn purge_removes_only_expired_records(
    store: &dyn IdempotencyStore,
    clock: &ManualClock,
) {
    begin(store, "old-flying", FP).await;
    begin(store, "old-done", FP).await;
    store
        .complete("old-done", outcome(true, b"r"))
        .await
        .expect("complete");
    clock.advance(Duration::from_secs(3600));
    begin(store, "young", FP).await;
    clock.advance(TTL - Duration::from_secs(3600));
    assert_eq!(store.purge_expired().await.expect("purge"), 2);
    assert_eq!(store.purge_expired().await.expect("purge again"), 0);
    assert_eq!(
        peek(store, "young", OTHER_FP).await,
        Begin::Mismatch,
        "still there"
    );
    assert_eq!(begin(store, "old-done", FP).await, Begin::Proceed);
}

pub(crate) async fn peek_never_writes(store: &dyn IdempotencyStore, clock: &ManualClock) {
    assert_eq!(peek(store, "k", FP).await, Begin::Proceed);
    assert_eq!(
        begin(store, "k", OTHER_FP).await,
        Begin::Proceed,
        "peek wrote no record"
    );
    assert_eq!(peek(store, "k", OTHER_FP).await, Begin::InFlight);
    let resume = Begin::Resume {
        first_attempt_ms: clock.now_ms(),
    };
    clock.advance(LEASE);
    assert_eq!(peek(store, "k", OTHER_FP).await, resume);
    assert_eq!(
        peek(store, "k", OTHER_FP).await,
        resume,
        "peek took no lease"
    );
    assert_eq!(store.purge_expired().await.expect("purge"), 0);
}

pub(crate) async fn sixty_four_concurrent_begins_on_distinct_keys_all_proceed(
    store: Arc<dyn IdempotencyStore>,
) {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..64 {
        let store = Arc::clone(&store);
        tasks.spawn(async move { store.begin(&format!("k{i}"), FP, LEASE, TTL).await });
    }
    while let Some(begun) = tasks.join_next().await {
        assert_eq!(begun.expect("task").expect("begin"), Begin::Proceed);
    }
}

pub(crate) async fn twenty_concurrent_begins_on_one_key_give_exactly_one_proceed(
    store: Arc<dyn IdempotencyStore>,
) {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let store = Arc::clone(&store);
        tasks.spawn(async move { store.begin("same", FP, LEASE, TTL).await });
    }
    let mut verdicts = Vec::new();
    while let Some(begun) = tasks.join_next().await {
        verdicts.push(begun.expect("task").expect("begin"));
    }
    assert_eq!(verdicts.iter().filter(|v| **v == Begin::Proceed).count(), 1);
    assert_eq!(
        verdicts.iter().filter(|v| **v == Begin::InFlight).count(),
        19
    );
}
mod backends;
