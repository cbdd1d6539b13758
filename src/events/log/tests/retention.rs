//! Conformance cases for `enforce_retention`: by count, by age, dedupe keys, and sequences that
//! never go back. Every case uses `RETENTION` (1 hour, 5 events, 7-day dedupe window).
use super::*;

async fn bounds(log: &dyn EventLog) -> Bounds {
    log.bounds().await.expect("bounds")
}

async fn enforce(log: &dyn EventLog) -> u64 {
    log.enforce_retention().await.expect("retention")
}

pub(crate) async fn retention_by_count_keeps_the_newest_events_and_moves_oldest(
    log: &dyn EventLog,
    _: &ManualClock,
) {
    append_all(log, &["a", "b", "c", "d", "e", "f", "g"]).await;
    assert_eq!(enforce(log).await, 2);
    let kept = Bounds {
        oldest: Some(3),
        latest: 7,
    };
    assert_eq!(bounds(log).await, kept);
    assert_eq!(
        sequences_after(log, 0, &Filter::default()).await,
        [3, 4, 5, 6, 7]
    );
    assert_eq!(log.get(2).await.expect("get"), None);
    assert_eq!(enforce(log).await, 0, "nothing more to remove");
}

pub(crate) async fn retention_by_age_removes_events_older_than_max_age(
    log: &dyn EventLog,
    clock: &ManualClock,
) {
    append_all(log, &["a", "b"]).await;
    clock.advance(Duration::from_secs(1800));
    append_all(log, &["c"]).await;
    clock.advance(Duration::from_secs(1800));
    assert_eq!(enforce(log).await, 0, "exactly max_age old is not older");
    clock.advance(Duration::from_millis(1));
    assert_eq!(enforce(log).await, 2);
    let kept = Bounds {
        oldest: Some(3),
        latest: 3,
    };
    assert_eq!(bounds(log).await, kept);
}

pub(crate) async fn retention_by_age_removes_only_a_prefix_when_the_clock_stepped_back(
    log: &dyn EventLog,
    clock: &ManualClock,
) {
    let start = clock.now_ms();
    append_all(log, &["a"]).await;
    clock.set(start - 7_200_000);
    append_all(log, &["b", "c"]).await;
    clock.set(start + 1000);
    assert_eq!(enforce(log).await, 0, "b and c wait behind the younger a");
    clock.set(start + 3_600_001);
    assert_eq!(enforce(log).await, 3);
    assert_eq!(bounds(log).await.oldest, None);
}

pub(crate) async fn sequences_never_go_back_after_retention_removes_everything(
    log: &dyn EventLog,
    clock: &ManualClock,
) {
    append_all(log, &["a", "b", "c"]).await;
    clock.advance(Duration::from_secs(7200));
    assert_eq!(enforce(log).await, 3);
    let emptied = Bounds {
        oldest: None,
        latest: 3,
    };
    assert_eq!(bounds(log).await, emptied);
    assert!(sequences_after(log, 0, &Filter::default()).await.is_empty());
    assert_eq!(append_all(log, &["d"]).await, [4]);
    let again = Bounds {
        oldest: Some(4),
        latest: 4,
    };
    assert_eq!(bounds(log).await, again);
}

pub(crate) async fn a_duplicate_whose_first_copy_was_removed_reports_sequence_zero(
    log: &dyn EventLog,
    clock: &ManualClock,
) {
    append_all(log, &["a"]).await;
    clock.advance(Duration::from_secs(7200));
    assert_eq!(enforce(log).await, 1);
    assert_eq!(append(log, customer("a")).await, Appended::Duplicate(0));
    assert_eq!(bounds(log).await.latest, 1, "the key outlives its event");
}

pub(crate) async fn retention_forgets_dedupe_keys_only_past_their_window(
    log: &dyn EventLog,
    clock: &ManualClock,
) {
    append_all(log, &["old"]).await;
    clock.advance(Duration::from_secs(3 * 24 * 3600));
    append_all(log, &["young"]).await;
    clock.advance(RETENTION.dedupe_window - Duration::from_secs(3 * 24 * 3600));
    enforce(log).await;
    assert_eq!(append(log, customer("young")).await, Appended::Duplicate(0));
    assert_eq!(append(log, customer("old")).await, Appended::New(3));
    assert_eq!(append(log, customer("old")).await, Appended::Duplicate(3));
}
