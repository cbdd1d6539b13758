//! Tests of webhook POST → verify → **parse** → dedupe → durable log: KYB events (catalogue
//! §3.2), other families kept as `Unknown` (§3.3, §6 item 14), bodies that are not JSON
//! objects, and every timestamp form of §6 item 39, each signed, verified and parsed.
use chrono::{DateTime, NaiveDate, Utc};

use super::*;
use crate::webhook::test_support::{parsed_body, parsed_fixture, verified};

const BUSINESS: &str = "002e0f0e-e39d-4351-876c-afcad30d9c37";

/// The UTC instant `y-mo-d h:mi:s` plus `micros` microseconds.
fn utc(y: i32, mo: u32, d: u32, (h, mi, s): (u32, u32, u32), micros: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(y, mo, d)
        .and_then(|date| date.and_hms_micro_opt(h, mi, s, micros))
        .expect("valid test instant")
        .and_utc()
}

/// Everything except `raw_json` is empty.
fn assert_only_raw(e: &ParsedEvent, raw: &str) {
    assert_eq!(e.raw_json, raw);
    assert_eq!((e.kind, &e.subject), (EventKind::Unknown, &Subject::None));
    assert_eq!((e.occurred_at, e.occurred_at_raw.as_str()), (None, ""));
    let texts = [
        &e.event_name,
        &e.reasons_text,
        &e.error_code,
        &e.description,
        &e.inquiry_id,
    ];
    assert!(texts.iter().all(|t| t.is_empty()), "{raw}");
    assert!(e.documents.is_empty() && e.fields.is_empty(), "{raw}");
    assert!(e.reasons.is_empty() && e.kyb_details.is_empty(), "{raw}");
}

#[test]
fn each_kyb_outcome_names_the_business() {
    let cases = [
        ("kyb_approved.json", EventKind::KybApproved),
        ("kyb_warning.json", EventKind::KybWarning),
        ("kyb_error.json", EventKind::KybError),
        ("kyb_initiated.json", EventKind::KybInitiated),
    ];
    for (name, kind) in cases {
        let e = parsed_fixture(name);
        assert_eq!(e.kind, kind, "{name}");
        assert_eq!(e.subject, Subject::Business(BUSINESS.into()), "{name}");
        assert!(e.occurred_at.is_some(), "{name}");
        assert!(e.kyb_details.is_empty(), "{name}");
    }
}

#[test]
fn a_kyb_rejection_lists_every_detail_in_order() {
    let e = parsed_fixture("kyb_rejected.json");
    assert_eq!(e.kind, EventKind::KybRejected);
    assert_eq!(e.subject, Subject::Business(BUSINESS.into()));
    let got: Vec<(&str, &str)> = e
        .kyb_details
        .iter()
        .map(|d| (&*d.code, &*d.reason))
        .collect();
    let want = [
        ("rejected_address", "address verification failed"),
        ("rejected_tin", "TIN verification failed"),
        ("rejected_name", "name verification failed"),
        ("rejected_watchlist", "watchlist verification failed."),
    ];
    assert_eq!(got, want);
}

#[test]
fn an_unknown_kyb_event_is_kept_with_its_business() {
    let e = parsed_body(r#"{"event":"kyb.verification.pending","business_id":"b-1"}"#);
    assert_eq!(e.kind, EventKind::Unknown);
    assert_eq!(e.subject, Subject::Business("b-1".into()));
}

#[test]
fn a_card_event_is_unknown_and_does_not_look_inside_nested_objects() {
    let e = parsed_fixture("card_created.json");
    assert_eq!(e.kind, EventKind::Unknown);
    assert_eq!(e.event_name, "card.created");
    assert_eq!(e.subject, Subject::None);
    assert_eq!(e.occurred_at, Some(utc(2022, 7, 15, (16, 33, 51), 32_050)));
    assert!(e.raw_json.contains("beb8732c-d2ca-4422-b408-91bbe3e2aebf"));
}

#[test]
fn an_autopay_event_with_a_comment_keeps_its_customer_and_has_no_instant() {
    let e = parsed_fixture("account_autopay_changed.json");
    assert_eq!(e.kind, EventKind::Unknown);
    assert_eq!(e.event_name, "account.autopay.changed");
    let id = "1601350c-62df-4a0d-b845-ef279c980240";
    assert_eq!(e.subject, Subject::Customer(id.into()));
    assert_eq!((e.occurred_at, e.occurred_at_raw.as_str()), (None, ""));
}

#[test]
fn a_late_payment_without_an_event_key_is_unknown_with_an_empty_name() {
    let e = parsed_fixture("account_statements_late_payment.json");
    assert_eq!(e.kind, EventKind::Unknown);
    assert_eq!(e.event_name, "");
    let id = "1601350c-62df-4a0d-b845-ef279c980240";
    assert_eq!(e.subject, Subject::Customer(id.into()));
}

#[test]
fn sent_time_stands_in_for_occurred_at() {
    let e = parsed_fixture("credit_application_adverse_action.json");
    assert_eq!(e.kind, EventKind::Unknown);
    assert_eq!(e.occurred_at_raw, "2022-06-24T18:36:30.416759");
    assert_eq!(e.occurred_at, Some(utc(2022, 6, 24, (18, 36, 30), 416_759)));
}

#[test]
fn the_generic_example_keeps_an_unparseable_timestamp_raw() {
    let e = parsed_fixture("generic_event_example.json");
    assert_eq!(e.kind, EventKind::KycSuccess);
    assert_eq!(
        (e.occurred_at, e.occurred_at_raw.as_str()),
        (None, "timestamp")
    );
}

#[test]
fn a_body_that_is_not_json_is_unparseable() {
    let body = crate::webhook::test_support::fixture("not_json.txt");
    assert!(parse(&verified(&body)).is_err());
    assert!(parse(&verified(b"")).is_err(), "an empty body is not JSON");
}

#[test]
fn json_that_is_not_an_object_is_kept_raw_and_nothing_else() {
    for body in [
        r#"[{"event":"kyc.verification.success","customer_id":"c-1"}]"#,
        r#""kyc.verification.success""#,
        "null",
    ] {
        assert_only_raw(&parsed_body(body), body);
    }
}

#[test]
fn a_body_that_is_not_utf8_is_unparseable() {
    let body = b"{\"event\":\"kyc.verification.success\xff\"}";
    assert!(parse(&verified(body)).is_err());
}

#[test]
fn every_documented_timestamp_form_is_read_and_the_raw_text_kept() {
    let cases = [
        (
            "2021-02-02-00:50:58.484840+00:00",
            utc(2021, 2, 2, (0, 50, 58), 484_840),
        ),
        (
            "2021-10-17T11:25:37.369236+00:00",
            utc(2021, 10, 17, (11, 25, 37), 369_236),
        ),
        (
            "2020-10-26T21:48:57.287919",
            utc(2020, 10, 26, (21, 48, 57), 287_919),
        ),
        ("2019-08-24T14:15:22Z", utc(2019, 8, 24, (14, 15, 22), 0)),
        (
            "2019-08-24T14:15:22.000Z",
            utc(2019, 8, 24, (14, 15, 22), 0),
        ),
        (
            "2022-06-09T18:23:37.585421Z",
            utc(2022, 6, 9, (18, 23, 37), 585_421),
        ),
        (
            "2022-07-15T18:57:28+00:00",
            utc(2022, 7, 15, (18, 57, 28), 0),
        ),
        (
            "2021-02-11 12:01:36.122456-08",
            utc(2021, 2, 11, (20, 1, 36), 122_456),
        ),
    ];
    for (raw, want) in cases {
        let body = format!(
            r#"{{"event":"kyb.verification.approved","business_id":"b","occurred_at":"{raw}"}}"#
        );
        let e = parsed_body(&body);
        assert_eq!(e.occurred_at, Some(want), "{raw}");
        assert_eq!(e.occurred_at_raw, raw);
    }
}

#[test]
fn malformed_timestamps_parse_to_nothing_but_stay_raw() {
    for raw in ["2019-08-19:22:22Z", "2024-12"] {
        let body = format!(
            r#"{{"event":"kyb.verification.approved","business_id":"b","occurred_at":"{raw}"}}"#
        );
        let e = parsed_body(&body);
        assert_eq!((e.occurred_at, e.occurred_at_raw.as_str()), (None, raw));
    }
}

#[test]
fn parsed_event_debug_omits_the_raw_body_and_details() {
    let e = parsed_fixture("kyc_failure_po_box.json");
    let shown = format!("{e:?}");
    assert!(
        !shown.contains("PO Box") && !shown.contains("po_box_failure"),
        "{shown}"
    );
}

#[test]
fn undocumented_shapes_of_reasons_and_documents_are_still_read() {
    let e = parsed_body(
        r#"{"event":"kyc.verification.under_review","customer_id":"c-1",
            "reasons":["Foreign Beneficial Owner", "null", " manual "],
            "documents":"government_id"}"#,
    );
    assert_eq!(e.reasons_text, "Foreign Beneficial Owner; manual");
    let types: Vec<&str> = e.documents.iter().map(|d| &*d.document_type).collect();
    assert_eq!(types, ["government_id"]);
}
