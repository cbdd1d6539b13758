//! Conformance cases for `read_after` with a [`Filter`], plus `Filter::matches` on its own.
use super::*;

/// Stores one event per (kind, subject) pair below; sequences 1..=6.
async fn mixed(log: &dyn EventLog) {
    let events = [
        ("1", EventKind::KycSuccess, Subject::Customer("c1".into())),
        ("2", EventKind::KycFailure, Subject::Customer("c2".into())),
        ("3", EventKind::KybApproved, Subject::Business("b1".into())),
        (
            "4",
            EventKind::KycSuccess,
            Subject::BeneficialOwner("o1".into()),
        ),
        ("5", EventKind::Unknown, Subject::None),
        ("6", EventKind::KycFailure, Subject::Business("c1".into())),
    ];
    for (key, kind, subject) in events {
        append(log, event(key, kind, subject)).await;
    }
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

pub(crate) async fn an_empty_filter_returns_every_event(log: &dyn EventLog, _: &ManualClock) {
    mixed(log).await;
    assert_eq!(
        sequences_after(log, 0, &Filter::default()).await,
        [1, 2, 3, 4, 5, 6]
    );
}

pub(crate) async fn a_kind_filter_returns_only_those_kinds(log: &dyn EventLog, _: &ManualClock) {
    mixed(log).await;
    let kinds = |kinds: Vec<EventKind>| Filter {
        kinds,
        ..Filter::default()
    };
    let failures = kinds(vec![EventKind::KycFailure]);
    assert_eq!(sequences_after(log, 0, &failures).await, [2, 6]);
    let some = kinds(vec![
        EventKind::Unknown,
        EventKind::KybApproved,
        EventKind::Unknown,
    ]);
    assert_eq!(sequences_after(log, 0, &some).await, [3, 5]);
    let none = kinds(vec![EventKind::KybRejected]);
    assert!(sequences_after(log, 0, &none).await.is_empty());
}

pub(crate) async fn id_filters_match_the_id_of_the_matching_subject_type_only(
    log: &dyn EventLog,
    _: &ManualClock,
) {
    mixed(log).await;
    let customers = Filter {
        customer_ids: ids(&["c1", "c2", "nobody"]),
        ..Filter::default()
    };
    assert_eq!(
        sequences_after(log, 0, &customers).await,
        [1, 2],
        "not business c1"
    );
    let businesses = Filter {
        business_ids: ids(&["c1"]),
        ..Filter::default()
    };
    assert_eq!(sequences_after(log, 0, &businesses).await, [6]);
    let mixed_ids = Filter {
        customer_ids: ids(&["c2"]),
        business_ids: ids(&["b1"]),
        beneficial_owner_ids: ids(&["o1"]),
        ..Filter::default()
    };
    assert_eq!(sequences_after(log, 0, &mixed_ids).await, [2, 3, 4]);
}

pub(crate) async fn kind_and_id_filters_must_both_match(log: &dyn EventLog, _: &ManualClock) {
    mixed(log).await;
    let both = Filter {
        kinds: vec![EventKind::KycFailure, EventKind::KybApproved],
        customer_ids: ids(&["c1", "c2"]),
        business_ids: ids(&["c1"]),
        ..Filter::default()
    };
    assert_eq!(sequences_after(log, 0, &both).await, [2, 6]);
    let page = log.read_after(2, &both, 1).await.expect("read");
    assert_eq!(page.iter().map(|e| e.sequence).collect::<Vec<_>>(), [6]);
}

pub(crate) async fn a_filter_with_hundreds_of_ids_still_matches_exactly(
    log: &dyn EventLog,
    _: &ManualClock,
) {
    mixed(log).await;
    let many: Vec<String> = (0..700).map(|i| format!("x{i}")).collect();
    let filter = Filter {
        kinds: vec![EventKind::KycSuccess],
        customer_ids: [many.clone(), ids(&["c1"])].concat(),
        beneficial_owner_ids: [many, ids(&["o1"])].concat(),
        ..Filter::default()
    };
    assert_eq!(sequences_after(log, 0, &filter).await, [1, 4]);
    let first = log.read_after(0, &filter, 1).await.expect("read");
    assert_eq!(first.iter().map(|e| e.sequence).collect::<Vec<_>>(), [1]);
    assert_eq!(sequences_after(log, 1, &filter).await, [4]);
}

#[test]
fn an_event_without_a_subject_matches_only_filters_without_ids() {
    let kinds = Filter {
        kinds: vec![EventKind::Unknown],
        ..Filter::default()
    };
    assert!(Filter::default().matches(EventKind::Unknown, &Subject::None));
    assert!(kinds.matches(EventKind::Unknown, &Subject::None));
    let with_ids = Filter {
        customer_ids: ids(&[""]),
        ..Filter::default()
    };
    assert!(!with_ids.matches(EventKind::Unknown, &Subject::None));
}

#[test]
fn a_filter_is_empty_only_without_kinds_and_ids() {
    assert!(Filter::default().is_empty());
    let kinds = Filter {
        kinds: vec![EventKind::KycError],
        ..Filter::default()
    };
    let owners = Filter {
        beneficial_owner_ids: ids(&["o"]),
        ..Filter::default()
    };
    assert!(!kinds.is_empty() && !owners.is_empty());
    assert!(!owners.matches(EventKind::KycError, &Subject::Customer("o".into())));
    assert!(owners.matches(EventKind::KycError, &Subject::BeneficialOwner("o".into())));
}
