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
                "INSERT INTO idempotency_records
                 (key, fingerprint, state, lease_until, expires_at, ok, payload)
                 VALUES ('k', x'00', 1, 0, 9999999, 1, NULL)",
                [],
            )
        })
        .await
        .expect("plant a corrupt row");
    let answer = store.begin("k", FP, LEASE, TTL).await;
    assert!(matches!(answer, Err(StoreError::Sqlite(_))));
}

/// A file as the gateway wrote it before the schema was versioned (`user_version = 0`, schema 1).
fn write_version_one_file(path: &std::path::Path) {
    let conn = rusqlite::Connection::open(path).expect("create");
    conn.execute_batch(crate::storage::schema::MIGRATIONS[0])
        .expect("schema 1");
    conn.execute_batch(
        "INSERT INTO idempotency_records
             (key, fingerprint, state, lease_until, expires_at, ok, payload)
         VALUES ('done', x'0909090909090909090909090909090909090909090909090909090909090909',
                 1, 0, 9999999999999, 1, x'72'),
                ('lost', x'0909090909090909090909090909090909090909090909090909090909090909',
                 0, 0, 9999999999999, NULL, NULL);",
    )
    .expect("records");
}

#[tokio::test]
async fn a_file_written_by_the_previous_schema_opens_and_keeps_its_records() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v1.db");
    write_version_one_file(&path);
    let store = open(path.clone(), Arc::new(ManualClock::new(1_000))).await;
    assert_eq!(
        store.begin("done", FP, LEASE, TTL).await.expect("begin"),
        Begin::Replay(Outcome {
            ok: true,
            payload: b"r".to_vec()
        })
    );
    assert_eq!(
        store.begin("lost", FP, LEASE, TTL).await.expect("begin"),
        Begin::Resume {
            first_attempt_ms: 0
        },
        "a version-1 record resumes with an unknown first-attempt time"
    );
    let fresh = store.begin("new", FP, LEASE, TTL).await.expect("begin");
    assert_eq!(fresh, Begin::Proceed);
    let version: u32 = store
        .db
        .call(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
        .await
        .expect("version");
    assert_eq!(version, crate::storage::schema::VERSION);
}
