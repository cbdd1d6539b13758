//! Tests of webhook POST → verify → parse → **dedupe** → durable log: `dedupe_key`. Atelio
//! retries for ~3 days and documents no event id, so a redelivery must map to the same key and
//! distinct events must not.
use sha2::{Digest, Sha256};

use super::*;
use crate::webhook::test_support::{
    NOW, SECRET, fixture, header, parsed_body, parsed_fixture, verifier,
};

fn key(body: &str) -> String {
    dedupe_key(&parsed_body(body))
}

#[test]
fn a_redelivery_signed_at_another_time_has_the_same_key() {
    let body = fixture("kyc_document_required_persona.json");
    let later = NOW + 120;
    let again = verifier()
        .verify(
            Some(&header(SECRET, later, &body)),
            body.clone().into(),
            later,
        )
        .expect("verifies");
    let first = parsed_fixture("kyc_document_required_persona.json");
    assert_eq!(
        dedupe_key(&first),
        dedupe_key(&parse(&again).expect("JSON"))
    );
}

#[test]
fn a_reserialised_redelivery_of_the_same_event_has_the_same_key() {
    let a = key(
        r#"{"event":"kyc.verification.success","customer_id":"c-1","occurred_at":"2022-07-15T16:36:46.167945+00:00"}"#,
    );
    let b = key(
        r#"{ "occurred_at": "2022-07-15T16:36:46.167945+00:00", "customer_id": "c-1", "event": "kyc.verification.success" }"#,
    );
    assert_eq!(a, b);
}

#[test]
fn an_alias_spelling_of_the_same_event_has_the_same_key() {
    let a = key(
        r#"{"event":"kyc.verification.document_required","customer_id":"c-1","occurred_at":"t1"}"#,
    );
    let b = key(
        r#"{"event":"KYC.verification.documents_required","customer_id":"c-1","occurred_at":"t1"}"#,
    );
    assert_eq!(a, b);
}

#[test]
fn events_differing_in_name_subject_or_instant_have_different_keys() {
    let base =
        key(r#"{"event":"kyc.verification.success","customer_id":"c-1","occurred_at":"t1"}"#);
    let others = [
        r#"{"event":"kyc.verification.failure","customer_id":"c-1","occurred_at":"t1"}"#,
        r#"{"event":"kyc.verification.success","customer_id":"c-2","occurred_at":"t1"}"#,
        r#"{"event":"kyc.verification.success","customer_id":"c-1","occurred_at":"t2"}"#,
    ];
    for other in others {
        assert_ne!(base, key(other), "{other}");
    }
}

#[test]
fn field_boundaries_cannot_be_shifted_to_forge_a_collision() {
    let a = key(r#"{"event":"kyc.verification.x","customer_id":"ab","occurred_at":"c"}"#);
    let b = key(r#"{"event":"kyc.verification.x","customer_id":"a","occurred_at":"bc"}"#);
    assert_ne!(a, b);
}

#[test]
fn document_required_and_reenter_information_sent_together_stay_distinct() {
    let a = key(
        r#"{"event":"kyc.verification.document_required","customer_id":"c-1","occurred_at":"t1"}"#,
    );
    let b = key(
        r#"{"event":"kyc.verification.reenter_information","customer_id":"c-1","occurred_at":"t1"}"#,
    );
    assert_ne!(a, b);
}

#[test]
fn without_occurred_at_the_key_is_the_sha256_of_the_raw_body() {
    let body = fixture("kyc_reenter_information_fields.json");
    let want = hex::encode(Sha256::digest(&body));
    assert_eq!(
        dedupe_key(&parsed_fixture("kyc_reenter_information_fields.json")),
        want
    );
}

#[test]
fn two_subjectless_events_of_the_same_instant_are_not_merged() {
    let a = key(
        r#"{"event":"card.status.active","card":{"card_id":"a"},"occurred_at":"2022-07-15T18:57:28+00:00"}"#,
    );
    let b = key(
        r#"{"event":"card.status.active","card":{"card_id":"b"},"occurred_at":"2022-07-15T18:57:28+00:00"}"#,
    );
    assert_ne!(a, b);
}

#[test]
fn json_that_is_not_an_object_is_keyed_by_its_bytes() {
    let want = hex::encode(Sha256::digest(b"[1, 2]"));
    assert_eq!(key("[1, 2]"), want);
}

#[test]
fn the_key_is_64_lowercase_hex_digits() {
    let k = key(r#"{"event":"kyb.verification.approved","business_id":"b","occurred_at":"t"}"#);
    assert_eq!(k.len(), 64);
    assert!(
        k.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
}
