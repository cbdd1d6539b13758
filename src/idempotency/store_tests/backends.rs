//! Runs the conformance suite of `store_tests/mod.rs` once per backend: one test per
//! (backend, case), named `store_tests::backends::<backend>::<case>`. The Redis backend runs on a
//! real `redis-server` started for the test process (`storage::redis_server`).
use std::sync::Arc;

use crate::idempotency::memory::MemoryStore;
use crate::idempotency::redis_store::RedisStore;
use crate::idempotency::sqlite::SqliteStore;
use crate::idempotency::store::{IdempotencyStore, ManualClock};

/// A store under test with the clock it reads (and the folder its file lives in).
struct Backend {
    store: Arc<dyn IdempotencyStore>,
    clock: Arc<ManualClock>,
    _dir: Option<tempfile::TempDir>,
}

async fn memory() -> Backend {
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let store = Arc::new(MemoryStore::new(1000, clock.clone()));
    Backend {
        store,
        clock,
        _dir: None,
    }
}

async fn sqlite() -> Backend {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let (path, wall) = (dir.path().join("idem.db"), clock.clone());
    let store = tokio::task::spawn_blocking(move || SqliteStore::open(&path, wall))
        .await
        .expect("open task")
        .expect("open store");
    Backend {
        store: Arc::new(store),
        clock,
        _dir: Some(dir),
    }
}

async fn redis() -> Backend {
    let server = crate::storage::redis_server::RedisServer::shared();
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let conn = server.connection().await;
    let prefix = uuid::Uuid::new_v4().to_string();
    let store = RedisStore::new(conn, &prefix, clock.clone());
    Backend {
        store: Arc::new(store),
        clock,
        _dir: None,
    }
}

/// One `#[tokio::test]` per case for `$backend`.
macro_rules! conformance {
    ($backend:ident; [$($case:ident),* $(,)?]; [$($concurrent:ident),* $(,)?]) => {
        mod $backend {
            $(#[tokio::test]
            async fn $case() {
                let backend = super::$backend().await;
                super::super::$case(&*backend.store, &backend.clock).await;
            })*
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $concurrent() {
                let backend = super::$backend().await;
                super::super::$concurrent(backend.store.clone()).await;
            })*
        }
    };
}

macro_rules! every_backend {
    ($($backend:ident),*) => {$(conformance!($backend; [
        begin_on_a_fresh_key_proceeds,
        a_second_begin_while_in_flight_is_in_flight,
        a_completed_operation_replays_its_exact_outcome,
        a_different_fingerprint_is_a_mismatch_and_changes_nothing,
        release_lets_the_next_begin_proceed,
        release_does_not_delete_a_completed_record,
        abandon_keeps_the_record_and_the_next_begin_resumes_it,
        abandon_does_not_touch_a_completed_record,
        complete_without_a_record_is_a_no_op,
        an_expired_record_runs_again,
        an_expired_lease_is_taken_over_and_keeps_its_expiry,
        purge_removes_only_expired_records,
        peek_never_writes,
    ]; [
        sixty_four_concurrent_begins_on_distinct_keys_all_proceed,
        twenty_concurrent_begins_on_one_key_give_exactly_one_proceed,
    ]);)*};
}

every_backend!(memory, sqlite, redis);
