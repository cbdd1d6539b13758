//! The memory backend's bound: what it drops when full, and when it refuses.
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::idempotency::store::ManualClock;

const LEASE: Duration = Duration::from_secs(30);
const FP: Fingerprint = [7; 32];

fn store_of_two() -> (MemoryStore, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(0));
    (MemoryStore::new(2, clock.clone()), clock)
}

fn done() -> Outcome {
    Outcome {
        ok: true,
        payload: b"r".to_vec(),
    }
}

async fn begin(store: &MemoryStore, key: &str, ttl: Duration) -> Result<Begin, StoreError> {
    store.begin(key, FP, LEASE, ttl).await
}

#[tokio::test]
async fn a_full_store_evicts_the_completed_record_closest_to_expiry() {
    let (store, _) = store_of_two();
    begin(&store, "soon", Duration::from_secs(60))
        .await
        .expect("begin");
    begin(&store, "later", Duration::from_secs(120))
        .await
        .expect("begin");
    store.complete("later", done()).await.expect("complete");
    store.complete("soon", done()).await.expect("complete");
    assert_eq!(
        begin(&store, "new", Duration::from_secs(600))
            .await
            .expect("begin"),
        Begin::Proceed
    );
    assert_eq!(
        store.peek("soon", FP).await.expect("peek"),
        Begin::Proceed,
        "evicted"
    );
    assert_eq!(
        store.peek("later", FP).await.expect("peek"),
        Begin::Replay(done())
    );
    assert_eq!(store.peek("new", FP).await.expect("peek"), Begin::InFlight);
}

#[tokio::test]
async fn a_full_store_drops_expired_records_before_evicting_completed_ones() {
    let (store, clock) = store_of_two();
    begin(&store, "expiring", Duration::from_secs(1))
        .await
        .expect("begin");
    begin(&store, "done", Duration::from_secs(3600))
        .await
        .expect("begin");
    store.complete("done", done()).await.expect("complete");
    clock.advance(Duration::from_secs(2));
    assert_eq!(
        begin(&store, "new", Duration::from_secs(60))
            .await
            .expect("begin"),
        Begin::Proceed
    );
    assert_eq!(
        store.peek("done", FP).await.expect("peek"),
        Begin::Replay(done())
    );
    assert_eq!(
        store.purge_expired().await.expect("purge"),
        0,
        "already dropped"
    );
}

#[tokio::test]
async fn a_store_full_of_in_flight_records_refuses_new_keys_but_answers_known_ones() {
    let (store, _) = store_of_two();
    begin(&store, "a", Duration::from_secs(60))
        .await
        .expect("begin");
    begin(&store, "b", Duration::from_secs(60))
        .await
        .expect("begin");
    let refused = begin(&store, "c", Duration::from_secs(60)).await;
    assert!(matches!(refused, Err(StoreError::Full)));
    assert_eq!(
        begin(&store, "a", Duration::from_secs(60))
            .await
            .expect("begin"),
        Begin::InFlight
    );
    store.release("a").await.expect("release");
    assert_eq!(
        begin(&store, "c", Duration::from_secs(60))
            .await
            .expect("begin"),
        Begin::Proceed
    );
}

#[tokio::test]
async fn an_expired_record_replaced_in_place_needs_no_room() {
    let (store, clock) = store_of_two();
    begin(&store, "a", Duration::from_secs(1))
        .await
        .expect("begin");
    begin(&store, "b", Duration::from_secs(60))
        .await
        .expect("begin");
    clock.advance(Duration::from_secs(1));
    assert_eq!(
        begin(&store, "a", Duration::from_secs(60))
            .await
            .expect("begin"),
        Begin::Proceed
    );
    assert_eq!(store.peek("b", FP).await.expect("peek"), Begin::InFlight);
}
