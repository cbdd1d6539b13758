//! The SQLite backend's durability and sharing: the log outlives the process that wrote it, two
//! connections to one file cooperate, and another store's tables can live in the same file.
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;

use super::*;
use crate::events::log::ManualClock;
use crate::events::model::{EventKind, Subject};

const RETENTION: Retention = Retention {
    max_age: Duration::from_secs(3600),
    max_events: 100,
    dedupe_window: Duration::from_secs(7 * 24 * 3600),
};

async fn open(path: &Path, clock: &Arc<ManualClock>) -> SqliteLog {
    let (path, clock) = (path.to_path_buf(), clock.clone());
    tokio::task::spawn_blocking(move || SqliteLog::open(&path, RETENTION, clock))
        .await
        .expect("open task")
        .expect("open log")
}

fn event(key: &str) -> NewEvent {
    NewEvent {
        received_at_ms: None,
        dedupe_key: key.to_owned(),
        also_dedupe: None,
        kind: EventKind::KybWarning,
        subject: Subject::Business(format!("bus-{key}")),
        payload: Bytes::from(key.to_owned()),
    }
}

async fn everything(log: &SqliteLog) -> Vec<StoredEvent> {
    log.read_after(0, &Filter::default(), 1000)
        .await
        .expect("read")
}

fn setup() -> (tempfile::TempDir, PathBuf, Arc<ManualClock>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state").join("gateway.db");
    (dir, path, Arc::new(ManualClock::new(1_000_000)))
}

#[tokio::test]
async fn the_log_survives_reopening_with_the_same_events_bounds_and_next_sequence() {
    let (_dir, path, clock) = setup();
    let log = open(&path, &clock).await;
    for key in ["a", "b", "c"] {
        log.append(event(key)).await.expect("append");
    }
    let (events, bounds) = (everything(&log).await, log.bounds().await.expect("bounds"));
    drop(log);
    let log = open(&path, &clock).await;
    assert_eq!(everything(&log).await, events);
    assert_eq!(log.bounds().await.expect("bounds"), bounds);
    assert_eq!(
        log.append(event("b")).await.expect("append"),
        Appended::Duplicate(2)
    );
    assert_eq!(
        log.append(event("d")).await.expect("append"),
        Appended::New(4)
    );
}

#[tokio::test]
async fn sequences_continue_after_reopening_a_log_that_retention_emptied() {
    let (_dir, path, clock) = setup();
    let log = open(&path, &clock).await;
    for key in ["a", "b"] {
        log.append(event(key)).await.expect("append");
    }
    clock.advance(Duration::from_secs(7200));
    assert_eq!(log.enforce_retention().await.expect("retention"), 2);
    drop(log);
    let log = open(&path, &clock).await;
    let emptied = Bounds {
        oldest: None,
        latest: 2,
    };
    assert_eq!(log.bounds().await.expect("bounds"), emptied);
    assert_eq!(
        log.append(event("c")).await.expect("append"),
        Appended::New(3)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_logs_open_on_one_file_share_events_and_never_reuse_a_sequence() {
    let (_dir, path, clock) = setup();
    let (one, two) = (open(&path, &clock).await, open(&path, &clock).await);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..40 {
        let log = if i < 20 { one.clone() } else { two.clone() };
        tasks.spawn(async move { log.append(event(&format!("k{}", i % 30))).await });
    }
    let mut new = Vec::new();
    while let Some(done) = tasks.join_next().await {
        if let Appended::New(sequence) = done.expect("task").expect("append") {
            new.push(sequence);
        }
    }
    new.sort_unstable();
    assert_eq!(new, (1..=30).collect::<Vec<_>>(), "each key once, no gaps");
    assert_eq!(everything(&one).await, everything(&two).await);
    assert_eq!(two.bounds().await.expect("bounds").latest, 30);
}

#[tokio::test]
async fn the_log_shares_its_file_with_another_stores_tables() {
    let (_dir, path, clock) = setup();
    let schema = crate::storage::schema::MIGRATIONS;
    let other_path = path.clone();
    let other = tokio::task::spawn_blocking(move || SqliteDb::open(&other_path, schema))
        .await
        .expect("open task")
        .expect("open other store");
    let log = open(&path, &clock).await;
    let write = other.call(|c| {
        c.execute(
            "INSERT INTO idempotency_records (key, fingerprint, state, lease_until, expires_at)
                 VALUES ('k', x'01', 0, 0, 0)",
            [],
        )
    });
    let (written, appended) = tokio::join!(write, log.append(event("a")));
    assert_eq!(written.expect("other store writes"), 1);
    assert_eq!(appended.expect("append"), Appended::New(1));
    let count = "SELECT (SELECT COUNT(*) FROM idempotency_records) + (SELECT COUNT(*) FROM events)";
    let rows: i64 = other
        .call(move |c| c.query_row(count, [], |r| r.get(0)))
        .await
        .expect("count");
    assert_eq!(rows, 2, "each store sees the other's committed rows");
}

#[tokio::test]
async fn a_corrupt_row_makes_the_log_unavailable_not_wrong() {
    let (_dir, path, clock) = setup();
    let log = open(&path, &clock).await;
    log.db
        .call(|c| {
            c.execute(
                "INSERT INTO events VALUES (7, 0, 1, 9, NULL, x'00', x'00', 0)",
                [],
            )
        })
        .await
        .expect("plant a corrupt row");
    assert!(matches!(log.get(7).await, Err(LogError::Sqlite(_))));
    let read = log.read_after(0, &Filter::default(), 10).await;
    assert!(matches!(read, Err(LogError::Sqlite(_))));
}

#[tokio::test]
async fn a_file_written_by_the_previous_schema_opens_and_keeps_its_events() {
    let (_dir, path, clock) = setup();
    let log = open(&path, &clock).await;
    log.append(event("a")).await.expect("append");
    let stopped = log.stopped();
    drop(log);
    stopped.await;
    // Turn it back into a file of the unversioned schema 1, as earlier builds wrote it.
    let conn = rusqlite::Connection::open(&path).expect("reopen");
    conn.execute_batch(
        "ALTER TABLE idempotency_records DROP COLUMN started_at; PRAGMA user_version = 0;",
    )
    .expect("downgrade");
    drop(conn);
    let log = open(&path, &clock).await;
    let kept = everything(&log).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(&kept[0].payload[..], b"a");
    assert_eq!(
        log.append(event("a")).await.expect("append"),
        Appended::Duplicate(1),
        "dedupe keys survive the migration"
    );
    assert_eq!(
        log.append(event("b")).await.expect("append"),
        Appended::New(2)
    );
}
