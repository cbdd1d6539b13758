//! Runs the conformance suite of `log/tests/mod.rs` once per backend: one test per (backend, case),
//! named `events::log::tests::backends::<backend>::<case>`. Redis runs on a real `redis-server`
//! started for the test process (`storage::redis_server`).
use std::sync::Arc;

use super::RETENTION;
use crate::events::log::{EventLog, ManualClock};
use crate::events::memory_log::MemoryLog;
use crate::events::redis_log::RedisLog;
use crate::events::sqlite_log::SqliteLog;

/// A log under test with the clock it reads (and the folder its file lives in).
struct Backend {
    log: Arc<dyn EventLog>,
    clock: Arc<ManualClock>,
    _dir: Option<tempfile::TempDir>,
}

async fn memory() -> Backend {
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let log = Arc::new(MemoryLog::new(RETENTION, clock.clone()));
    Backend {
        log,
        clock,
        _dir: None,
    }
}

async fn sqlite() -> Backend {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let (path, wall) = (dir.path().join("events.db"), clock.clone());
    let log = tokio::task::spawn_blocking(move || SqliteLog::open(&path, RETENTION, wall))
        .await
        .expect("open task")
        .expect("open log");
    Backend {
        log: Arc::new(log),
        clock,
        _dir: Some(dir),
    }
}

async fn redis() -> Backend {
    let server = crate::storage::redis_server::RedisServer::shared();
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let conn = server.connection().await;
    let prefix = uuid::Uuid::new_v4().to_string();
    let log = RedisLog::new(conn, &prefix, RETENTION, clock.clone());
    Backend {
        log: Arc::new(log),
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
                super::super::$case(&*backend.log, &backend.clock).await;
            })*
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $concurrent() {
                let backend = super::$backend().await;
                super::super::$concurrent(backend.log.clone()).await;
            })*
        }
    };
}

macro_rules! every_backend {
    ($($backend:ident),*) => {$(conformance!($backend; [
        append_assigns_increasing_sequences_starting_at_one,
        a_duplicate_key_within_the_window_returns_the_first_sequence_and_stores_nothing,
        a_key_seen_again_after_its_window_is_stored_as_new,
        a_second_key_dedupes_against_either_key_and_outlives_retention,
        a_stored_event_reads_back_exactly_as_appended,
        read_after_returns_ascending_events_after_the_cursor_up_to_the_limit,
        get_returns_a_retained_event_and_none_otherwise,
        bounds_are_empty_at_first_then_span_the_stored_events,
        an_empty_filter_returns_every_event,
        a_kind_filter_returns_only_those_kinds,
        id_filters_match_the_id_of_the_matching_subject_type_only,
        kind_and_id_filters_must_both_match,
        a_filter_with_hundreds_of_ids_still_matches_exactly,
        retention_by_count_keeps_the_newest_events_and_moves_oldest,
        retention_by_age_removes_events_older_than_max_age,
        retention_by_age_removes_only_a_prefix_when_the_clock_stepped_back,
        sequences_never_go_back_after_retention_removes_everything,
        a_duplicate_whose_first_copy_was_removed_reports_sequence_zero,
        retention_forgets_dedupe_keys_only_past_their_window,
    ]; [
        two_hundred_concurrent_appends_get_distinct_sequences_read_back_in_order,
        twenty_concurrent_appends_of_one_key_store_it_once,
    ]);)*};
}

every_backend!(memory, sqlite, redis);
