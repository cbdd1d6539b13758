//! Tests of webhook POST → verify → **parse** → dedupe → durable log: KYC events (catalogue
//! §3.1, §6 items 1–3, 9–11), each signed, verified and parsed. Fixtures in
//! `tests/fixtures/webhook/` are the documented examples as published (trailing commas,
//! markdown escapes and hyphenated timestamps included).
use chrono::{DateTime, Utc};

use super::*;
use crate::events::model::EventDocument;
use crate::webhook::test_support::{parsed_body, parsed_fixture};

const BO: &str = "a5bcf5a8-c4e0-4025-8183-5346176ee3db";

fn instant(rfc3339: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn customer(id: &str) -> Subject {
    Subject::Customer(id.to_string())
}

fn owner(id: &str) -> Subject {
    Subject::BeneficialOwner(id.to_string())
}

#[test]
fn a_customer_success_names_the_customer_and_its_instant() {
    let e = parsed_fixture("kyc_success_customer.json");
    assert_eq!(e.kind, EventKind::KycSuccess);
    assert_eq!(e.event_name, "kyc.verification.success");
    assert_eq!(e.subject, customer("1d48c087-f68e-48ab-b779-a15a3dca4c27"));
    assert_eq!(e.occurred_at_raw, "2022-07-15T16:36:46.167945+00:00");
    assert_eq!(e.occurred_at, instant("2022-07-15T16:36:46.167945Z"));
    assert!(e.raw_json.contains("1d48c087"));
}

#[test]
fn a_beneficial_owner_success_names_the_owner_despite_the_hyphenated_timestamp() {
    let e = parsed_fixture("kyc_success_beneficial_owner.json");
    assert_eq!(e.kind, EventKind::KycSuccess);
    assert_eq!(e.subject, owner(BO));
    assert_eq!(e.occurred_at_raw, "2021-02-02-00:50:58.484840+00:00");
    assert_eq!(e.occurred_at, instant("2021-02-02T00:50:58.484840Z"));
}

#[test]
fn a_failure_with_a_reasons_object_keeps_every_check_sorted_by_name() {
    let e = parsed_fixture("kyc_failure_beneficial_owner_reasons.json");
    assert_eq!(e.kind, EventKind::KycFailure);
    assert_eq!(e.subject, owner(BO));
    let got: Vec<(&str, &str)> = e.reasons.iter().map(|(k, v)| (&**k, &**v)).collect();
    let want = [
        ("bureau", "passed"),
        ("email", "passed"),
        ("ip", "passed"),
        ("mobile", "passed"),
        ("ofac", "failed"),
    ];
    assert_eq!(got, want);
    assert_eq!(e.reasons_text, "");
}

#[test]
fn a_po_box_failure_keeps_its_error_code_and_description() {
    let e = parsed_fixture("kyc_failure_po_box.json");
    assert_eq!(e.kind, EventKind::KycFailure);
    assert_eq!(e.subject, customer(BO));
    assert_eq!(e.error_code, "po_box_failure");
    assert_eq!(
        e.description,
        "Customer address is a PO Box. Request a new address"
    );
    assert!(e.reasons.is_empty());
}

#[test]
fn an_error_and_a_timeout_are_told_apart_with_their_subjects() {
    let error = parsed_fixture("kyc_error_beneficial_owner.json");
    assert_eq!(
        (error.kind, error.subject),
        (EventKind::KycError, owner(BO))
    );
    let timeout = parsed_fixture("kyc_timeout_customer.json");
    assert_eq!(timeout.kind, EventKind::KycTimeout);
    assert_eq!(
        timeout.subject,
        customer("6c83e28d-f93b-4446-86e4-a68b414a39e6")
    );
    assert_eq!(timeout.occurred_at, instant("2022-07-15T19:10:50.187657Z"));
}

#[test]
fn a_persona_document_request_keeps_the_inquiry_and_its_upload_link() {
    let e = parsed_fixture("kyc_document_required_persona.json");
    assert_eq!(e.kind, EventKind::KycDocumentRequired);
    assert_eq!(e.inquiry_id, "inq_Y8Pe2kSAJ7away95sUUXBpAh");
    let want = EventDocument {
        document_type: "persona".into(),
        upload_link: "https://inquiry.withpersona.com/verify?environment=sandbox&inquiry-id=inq_Y8Pe2kSAJ7away95sUUXBpAh".into(),
        status: "required".into(),
    };
    assert_eq!(e.documents, vec![want]);
}

#[test]
fn a_document_request_with_a_trailing_comma_lists_every_document_in_order() {
    let e = parsed_fixture("kyc_document_required_upload_page.json");
    assert_eq!(e.kind, EventKind::KycDocumentRequired);
    let got: Vec<(&str, &str)> = e
        .documents
        .iter()
        .map(|d| (&*d.document_type, &*d.status))
        .collect();
    let want = [
        ("government_id", "required"),
        ("proof_of_address", "submitted"),
        ("social_security_card", "required"),
    ];
    assert_eq!(got, want);
    assert!(
        e.documents
            .iter()
            .all(|d| d.upload_link.contains("reference-id="))
    );
    assert_eq!(e.inquiry_id, "");
}

#[test]
fn the_documents_required_alias_in_the_owner_example_is_reported_for_a_customer() {
    let e = parsed_fixture("kyc_documents_required_beneficial_owner.json");
    assert_eq!(e.kind, EventKind::KycDocumentRequired);
    assert_eq!(e.event_name, "kyc.verification.documents_required");
    assert_eq!(e.subject, customer(BO), "documented limitation: §6 item 9");
    let types: Vec<&str> = e.documents.iter().map(|d| &*d.document_type).collect();
    assert_eq!(
        types,
        ["government_id", "utility_bill", "social_security_card"]
    );
}

#[test]
fn a_customer_id_next_to_a_business_id_is_taken_as_a_beneficial_owner() {
    let e = parsed_body(
        r#"{"event":"kyc.verification.documents_required","customer_id":"bo-1",
            "business_id":"biz-1","occurred_at":"2021-02-02-00:50:58.484840+00:00"}"#,
    );
    assert_eq!(e.subject, owner("bo-1"));
}

#[test]
fn a_foreign_owner_review_keeps_its_reasons_string() {
    let e = parsed_fixture("kyc_under_review_foreign_beneficial_owner.json");
    assert_eq!(e.kind, EventKind::KycUnderReview);
    assert_eq!(e.subject, owner(BO));
    assert_eq!(e.reasons_text, "Foreign Beneficial Owner");
    assert!(e.reasons.is_empty());
}

#[test]
fn a_review_after_upload_names_the_customer() {
    let e = parsed_fixture("kyc_under_review_after_upload.json");
    assert_eq!(e.kind, EventKind::KycUnderReview);
    assert_eq!(e.subject, customer("1d48c087-f68e-48ab-b779-a15a3dca4c27"));
    assert_eq!(e.reasons_text, "");
}

#[test]
fn reenter_information_with_escaped_fields_and_no_occurred_at_is_read() {
    let e = parsed_fixture("kyc_reenter_information_fields.json");
    assert_eq!(e.kind, EventKind::KycReenterInformation);
    assert_eq!(e.subject, customer("ef096b64-7409-40cd-9879-badd905dc6a5"));
    assert_eq!(e.fields, ["first_name", "last_name", "ssn"]);
    assert!(
        e.description
            .contains("a2a0f2fc-ea8f-4ada-ad22-a1fbb0ca138a")
    );
    assert_eq!((e.occurred_at, e.occurred_at_raw.as_str()), (None, ""));
}

#[test]
fn reenter_information_also_reads_incorrect_information() {
    let e = parsed_fixture("kyc_reenter_information_incorrect_information.json");
    assert_eq!(e.kind, EventKind::KycReenterInformation);
    assert_eq!(e.fields, ["first_name", "dob"]);
}

#[test]
fn a_single_string_of_incorrect_information_becomes_one_field() {
    let e = parsed_body(
        r#"{"event":"kyc.verification.reenter_information","customer_id":"c-1","incorrect_information":"ssn"}"#,
    );
    assert_eq!(e.fields, ["ssn"]);
}

#[test]
fn the_failed_and_passed_aliases_map_to_failure_and_success() {
    let failed = parsed_body(r#"{"event":"kyc.verification.failed","customer_id":"c-1"}"#);
    assert_eq!(failed.kind, EventKind::KycFailure);
    assert_eq!(failed.event_name, "kyc.verification.failed");
    let passed = parsed_body(r#"{"event":"kyc.verification.passed","customer_id":"c-1"}"#);
    assert_eq!(passed.kind, EventKind::KycSuccess);
}

#[test]
fn event_names_match_whatever_their_case_and_spacing() {
    let e = parsed_body(r#"{"event":" KYC.Verification.Document Required ","customer_id":"c-1"}"#);
    assert_eq!(e.kind, EventKind::KycDocumentRequired);
    assert_eq!(e.event_name, " KYC.Verification.Document Required ");
}

#[test]
fn an_unknown_kyc_event_keeps_its_envelope_but_no_details() {
    let e = parsed_body(
        r#"{"event":"kyc.verification.expired","beneficial_owner_id":"bo-9",
            "occurred_at":"2022-07-15T18:57:28+00:00","reasons":{"ofac":"failed"},"error_code":"x"}"#,
    );
    assert_eq!(e.kind, EventKind::Unknown);
    assert_eq!(e.event_name, "kyc.verification.expired");
    assert_eq!(e.subject, owner("bo-9"));
    assert_eq!(e.occurred_at, instant("2022-07-15T18:57:28Z"));
    assert!(e.reasons.is_empty() && e.error_code.is_empty());
}

#[test]
fn string_nulls_do_not_count_as_subject_ids() {
    let e = parsed_body(
        r#"{"event":"kyc.verification.success","beneficial_owner_id":"null","customer_id":" c-1 ","business_id":""}"#,
    );
    assert_eq!(e.subject, customer("c-1"));
}
