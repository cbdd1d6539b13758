//! The SQLite actor's contract: group commit, per-job savepoints, persistence, shutdown.
use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;

use tokio::sync::oneshot;

use super::*;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL);";

fn db_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("nested").join("folder").join("test.db")
}

async fn open(path: &Path) -> SqliteDb {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || SqliteDb::open(&path, &[SCHEMA]))
        .await
        .expect("open task")
        .expect("open database")
}

fn insert(db: &SqliteDb, id: i64) -> impl Future<Output = Result<usize, StorageError>> + use<> {
    db.call(move |c| c.execute("INSERT INTO t (id, v) VALUES (?1, 'x')", [id]))
}

/// Counts rows through a second, independent connection: it sees only committed data.
async fn committed_rows(path: &Path) -> i64 {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let conn = Connection::open(path).expect("reader");
        conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .expect("count")
    })
    .await
    .expect("reader task")
}

/// Runs a job that holds the connection until released, from another OS thread (a caller that
/// finds the connection free runs its job itself); resolves once it is running. Jobs queued
/// meanwhile wait for the database thread.
async fn hold_thread(db: &SqliteDb) -> (std_mpsc::Sender<()>, impl Future<Output = ()> + use<>) {
    let (started, running) = oneshot::channel();
    let (release, released) = std_mpsc::channel::<()>();
    let db = db.clone();
    let holder = std::thread::spawn(move || {
        db.call(move |_| {
            let _ = started.send(());
            let _ = released.recv();
            Ok(())
        })
    });
    running.await.expect("gate started");
    let done = async move {
        let job = tokio::task::spawn_blocking(move || holder.join().expect("holder thread"))
            .await
            .expect("join task");
        job.await.expect("gate job")
    };
    (release, done)
}

#[tokio::test]
async fn jobs_queued_together_commit_together_in_one_transaction() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let db = open(&path).await;
    let (release_first, first) = hold_thread(&db).await;
    let inserts: Vec<_> = (0..9).map(|id| insert(&db, id)).collect();
    let (second_started, running) = oneshot::channel();
    let (release_second, released) = std_mpsc::channel::<()>();
    let last = db.call(move |c| {
        let in_transaction = !c.is_autocommit();
        let _ = second_started.send(());
        let _ = released.recv();
        Ok(in_transaction)
    });
    release_first.send(()).expect("release first gate");
    first.await;
    running.await.expect("second gate started");
    assert_eq!(
        committed_rows(&path).await,
        0,
        "nine inserts ran but are not committed yet"
    );
    release_second.send(()).expect("release second gate");
    assert!(
        last.await.expect("last job"),
        "jobs run inside a transaction"
    );
    for insert in inserts {
        assert_eq!(insert.await.expect("insert"), 1);
    }
    assert_eq!(committed_rows(&path).await, 9);
}

#[tokio::test]
async fn a_failing_job_rolls_back_alone_and_the_others_writes_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let db = open(&path).await;
    let (release, gate) = hold_thread(&db).await;
    let before = insert(&db, 1);
    let failing = db.call(|c| {
        c.execute("INSERT INTO t (id, v) VALUES (2, 'x')", [])?;
        c.execute("INSERT INTO t (id, v) VALUES (1, 'duplicate')", [])
    });
    let panicking = db.call(|c| -> Result<(), rusqlite::Error> {
        c.execute("INSERT INTO t (id, v) VALUES (3, 'x')", [])?;
        panic!("a job that panics")
    });
    let after = insert(&db, 4);
    release.send(()).expect("release gate");
    gate.await;
    assert_eq!(before.await.expect("first insert"), 1);
    assert!(matches!(failing.await, Err(StorageError::Sqlite(_))));
    assert!(matches!(panicking.await, Err(StorageError::Sqlite(_))));
    assert_eq!(after.await.expect("last insert"), 1);
    let ids = db
        .call(|c| {
            let mut stmt = c.prepare("SELECT id FROM t ORDER BY id")?;
            stmt.query_map([], |r| r.get::<_, i64>(0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .expect("read ids");
    assert_eq!(ids, vec![1, 4]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_concurrent_calls_all_complete_and_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let db = open(&path).await;
    let mut tasks = tokio::task::JoinSet::new();
    for id in 0..500 {
        let db = db.clone();
        tasks.spawn(async move { insert(&db, id).await });
    }
    while let Some(done) = tasks.join_next().await {
        assert_eq!(done.expect("task").expect("insert"), 1);
    }
    assert_eq!(committed_rows(&path).await, 500);
}

#[tokio::test]
async fn data_persists_when_the_file_is_reopened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let db = open(&path).await;
    insert(&db, 7).await.expect("insert");
    let stopped = db.stopped();
    drop(db);
    stopped.await;
    let db = open(&path).await;
    let v: String = db
        .call(|c| c.query_row("SELECT v FROM t WHERE id = 7", [], |r| r.get(0)))
        .await
        .expect("read back");
    assert_eq!(v, "x");
}

#[tokio::test]
async fn the_thread_finishes_queued_jobs_then_stops_when_the_last_handle_drops() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let db = open(&path).await;
    let clone = db.clone();
    let (release, gate) = hold_thread(&db).await;
    let queued = insert(&db, 1);
    let stopped = db.stopped();
    drop(db);
    drop(clone);
    release.send(()).expect("release gate");
    gate.await;
    assert_eq!(queued.await.expect("queued job still runs"), 1);
    tokio::time::timeout(Duration::from_secs(10), stopped)
        .await
        .expect("thread stopped");
    assert_eq!(committed_rows(&path).await, 1);
}

#[tokio::test]
async fn migrations_run_again_on_reopen_without_harm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    drop(open(&path).await);
    let db = open(&path).await;
    let mode: String = db
        .call(|c| c.query_row("PRAGMA journal_mode", [], |r| r.get(0)))
        .await
        .expect("journal mode");
    assert_eq!(mode, "wal");
}

#[test]
fn opening_a_path_that_is_not_a_database_fails_without_starting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("garbage.db");
    std::fs::write(&path, vec![0x42_u8; 4096]).expect("write garbage");
    assert!(SqliteDb::open(&path, &[SCHEMA]).is_err());
}

#[tokio::test]
async fn a_call_on_a_free_connection_runs_on_the_callers_thread() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = open(&db_path(&dir)).await;
    let caller = std::thread::current().id();
    let ran_on = db
        .call(|_| Ok(std::thread::current().id()))
        .await
        .expect("call");
    assert_eq!(ran_on, caller, "no hop to the database thread");
}

#[tokio::test]
async fn the_wal_is_checkpointed_and_reused_under_a_stream_of_commits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let db = open(&path).await;
    const COMMITS: i64 = 8000;
    for id in 0..COMMITS {
        db.call(move |c| {
            c.execute(
                "INSERT INTO t (id, v) VALUES (?1, hex(randomblob(600)))",
                [id],
            )
        })
        .await
        .expect("insert");
    }
    let wal = std::fs::metadata(path.with_extension("db-wal"))
        .expect("wal")
        .len();
    // Every commit appends at least one 4 KiB page; without checkpoints the WAL would hold them all.
    assert!(
        wal < (COMMITS as u64) * 4096 / 2,
        "WAL grew to {wal} bytes over {COMMITS} commits"
    );
    assert_eq!(committed_rows(&path).await, COMMITS);
}

fn user_version(path: &Path) -> u32 {
    let conn = Connection::open(path).expect("reader");
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("user_version")
}

#[test]
fn migrations_run_once_each_and_the_version_is_recorded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    // Not idempotent on purpose: running it twice would fail (duplicate column).
    let add = "ALTER TABLE t ADD COLUMN w TEXT";
    drop(SqliteDb::open(&path, &[SCHEMA]).expect("v1"));
    assert_eq!(user_version(&path), 1);
    drop(SqliteDb::open(&path, &[SCHEMA, add]).expect("v1 -> v2"));
    assert_eq!(user_version(&path), 2);
    drop(SqliteDb::open(&path, &[SCHEMA, add]).expect("v2 again runs nothing"));
    assert_eq!(user_version(&path), 2);
}

#[test]
fn a_file_from_a_newer_build_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    drop(SqliteDb::open(&path, &[SCHEMA, SCHEMA, SCHEMA]).expect("v3"));
    let err = SqliteDb::open(&path, &[SCHEMA]).expect_err("a v1 build refuses a v3 file");
    assert!(err.to_string().contains("newer"), "{err}");
    assert_eq!(user_version(&path), 3);
}

#[test]
fn a_failing_migration_leaves_the_file_at_its_old_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    drop(SqliteDb::open(&path, &[SCHEMA]).expect("v1"));
    assert!(SqliteDb::open(&path, &[SCHEMA, "NOT SQL AT ALL"]).is_err());
    assert_eq!(user_version(&path), 1);
}

#[tokio::test]
async fn the_synchronous_setting_reaches_the_connection() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (sync, pragma) in [(Synchronous::Normal, 1), (Synchronous::Full, 2)] {
        let path = dir.path().join(format!("{pragma}.db"));
        let db = SqliteDb::open_with(&path, &[SCHEMA], sync).expect("open");
        let got: i64 = db
            .call(|c| c.query_row("PRAGMA synchronous", [], |r| r.get(0)))
            .await
            .expect("pragma");
        assert_eq!(got, pragma, "{sync:?}");
    }
}
