//! The SQLite backend's durability: records outlive the process that wrote them.
use std::path::PathBuf;

use super::*;
use crate::idempotency::store::ManualClock;

const LEASE: Duration = Duration::from_secs(30);
const TTL: Duration = Duration::from_secs(24 * 3600);
const FP: Fingerprint = [9; 32];

async fn open(path: PathBuf, clock: Arc<ManualClock>) -> SqliteStore {
    tokio::task::spawn_blocking(move || SqliteStore::open(&path, clock))
        .await
        .expect("open task")
        .expect("open store")
}

#[tokio::test]
async fn records_survive_reopening_the_same_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state").join("idem.db");
    let clock = Arc::new(ManualClock::new(1_000));
    let done = Outcome {
        ok: false,
        payload: b"status".to_vec(),
    };
    let store = open(path.clone(), clock.clone()).await;
    store.begin("done", FP, LEASE, TTL).await.expect("begin");
    store
        .complete("done", done.clone())
        .await
        .expect("complete");
    store.begin("flying", FP, LEASE, TTL).await.expect("begin");
    drop(store);
    let store = open(path, clock).await;
    assert_eq!(
        store.begin("done", FP, LEASE, TTL).await.expect("begin"),
        Begin::Replay(done)
    );
    assert_eq!(
        store.begin("flying", FP, LEASE, TTL).await.expect("begin"),
        Begin::InFlight
    );
    assert_eq!(
        store
            .begin("flying", [0; 32], LEASE, TTL)
            .await
            .expect("begin"),
        Begin::Mismatch
    );
}

#[tokio::test]
async fn a_corrupt_record_makes_the_store_unavailable_not_wrong() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("idem.db");
    let store = open(path, Arc::new(ManualClock::new(1_000))).await;
    store
        .db
        .call(|c| {
            c.execute(
                "INSERT INTO idempotency_records VALUES ('k', x'00', 1, 0, 9999999, 1, NULL)",
                [],
            )
        })
        .await
        .expect("plant a corrupt row");
    let answer = store.begin("k", FP, LEASE, TTL).await;
    assert!(matches!(answer, Err(StoreError::Unavailable(_))));
}
