//! Tests of webhook POST → **verify** → parse → dedupe → durable log: `Verifier::verify` with
//! signatures computed independently of the production code; rotation, tampering, the 300 s
//! window and malformed headers.
use std::time::Duration;

use bytes::Bytes;

use super::*;
use crate::webhook::test_support::{NOW, SECRET, TOLERANCE, header, v2_digest, verifier};

const BODY: &[u8] = br#"{"event":"kyc.verification.success","customer_id":"1d48c087-f68e-48ab-b779-a15a3dca4c27","occurred_at":"2022-07-15T16:36:46.167945+00:00"}"#;

fn check(v: &Verifier, header: Option<&str>, body: &[u8]) -> Result<Verified, VerifyError> {
    v.verify(header, Bytes::copy_from_slice(body), NOW)
}

#[test]
fn a_known_answer_vector_from_python_hmac_verifies() {
    // hmac.new(SECRET, b'1700000000.{"event":"kyc.verification.success"}', sha256).hexdigest()
    let digest = "ba0958d0c6fa43583d7f60d4d0f4ef6105063c3716142938f96f1a0c3d3cf2a9";
    let body = br#"{"event":"kyc.verification.success"}"#;
    let got = check(&verifier(), Some(&format!("t={NOW},v2={digest}")), body);
    assert_eq!(got.map(|v| v.timestamp()), Ok(NOW));
}

#[test]
fn a_correct_signature_yields_the_body_and_timestamp_unchanged() {
    let got = check(&verifier(), Some(&header(SECRET, NOW, BODY)), BODY).expect("verifies");
    assert_eq!(got.body(), BODY);
    assert_eq!(got.timestamp(), NOW);
}

#[test]
fn a_signature_made_with_another_secret_is_rejected() {
    let signed = header("whsec_someOtherSecret00000000000000", NOW, BODY);
    let got = check(&verifier(), Some(&signed), BODY);
    assert_eq!(got.err(), Some(VerifyError::BadSignature));
}

#[test]
fn the_second_of_two_rotated_secrets_is_accepted() {
    let secrets = [
        Secret::new("whsec_old0000000000000000000000000"),
        Secret::new(SECRET),
    ];
    let v = Verifier::new(&secrets, TOLERANCE);
    assert!(check(&v, Some(&header(SECRET, NOW, BODY)), BODY).is_ok());
}

#[test]
fn a_tampered_body_is_rejected() {
    let signed = header(SECRET, NOW, BODY);
    let mut tampered = BODY.to_vec();
    tampered[10] ^= 1;
    assert_eq!(
        check(&verifier(), Some(&signed), &tampered).err(),
        Some(VerifyError::BadSignature)
    );
}

#[test]
fn reserialised_json_with_the_same_meaning_is_rejected() {
    let signed = header(SECRET, NOW, BODY);
    let spaced = String::from_utf8_lossy(BODY).replace(',', ", ");
    let got = check(&verifier(), Some(&signed), spaced.as_bytes());
    assert_eq!(got.err(), Some(VerifyError::BadSignature));
}

#[test]
fn a_signed_timestamp_just_inside_the_tolerance_is_accepted() {
    for t in [NOW - 300, NOW + 300] {
        assert!(check(&verifier(), Some(&header(SECRET, t, BODY)), BODY).is_ok());
    }
}

#[test]
fn a_signed_timestamp_older_than_the_tolerance_is_stale() {
    let got = check(&verifier(), Some(&header(SECRET, NOW - 301, BODY)), BODY);
    assert_eq!(got.err(), Some(VerifyError::Stale));
}

#[test]
fn a_signed_timestamp_ahead_beyond_the_tolerance_is_future() {
    let got = check(&verifier(), Some(&header(SECRET, NOW + 301, BODY)), BODY);
    assert_eq!(got.err(), Some(VerifyError::Future));
}

#[test]
fn an_old_timestamp_with_a_bad_signature_counts_as_a_bad_signature() {
    let signed = header("whsec_wrong", NOW - 10_000, BODY);
    let got = check(&verifier(), Some(&signed), BODY);
    assert_eq!(got.err(), Some(VerifyError::BadSignature));
}

#[test]
fn a_maximal_tolerance_accepts_any_timestamp() {
    let v = Verifier::new(&[Secret::new(SECRET)], Duration::MAX);
    assert!(check(&v, Some(&header(SECRET, 0, BODY)), BODY).is_ok());
}

#[test]
fn a_missing_header_is_reported_as_such() {
    let got = check(&verifier(), None, BODY);
    assert_eq!(got.err(), Some(VerifyError::MissingHeader));
}

#[test]
fn headers_without_a_usable_t_or_v2_are_malformed() {
    let digest = v2_digest(SECRET, NOW, BODY);
    let odd_hex = &digest[..63];
    let cases = [
        String::new(),
        "garbage".to_string(),
        format!("v2={digest}"),
        format!("t={NOW}"),
        format!("t={NOW},v1={digest}"),
        format!("t=soon,v2={digest}"),
        format!("t=-{NOW},v2={digest}"),
        format!("t={NOW}.5,v2={digest}"),
        format!("t=99999999999999999999,v2={digest}"),
        format!("t={NOW},v2={odd_hex}"),
        format!("t={NOW},v2={digest}00"),
        format!("t={NOW},v2=zz{}", &digest[2..]),
        format!("t={NOW},t={},v2={digest}", NOW + 1),
    ];
    for case in cases {
        let got = check(&verifier(), Some(&case), BODY);
        assert_eq!(got.err(), Some(VerifyError::MalformedHeader), "{case}");
    }
}

#[test]
fn one_matching_v2_among_several_is_enough() {
    let good = v2_digest(SECRET, NOW, BODY);
    let other = v2_digest("whsec_other", NOW, BODY);
    let signed = format!("t={NOW},v2={other},v1=abc,v2={good},v2=not-hex");
    assert!(check(&verifier(), Some(&signed), BODY).is_ok());
}

#[test]
fn whitespace_uppercase_hex_and_unknown_keys_are_tolerated() {
    let digest = v2_digest(SECRET, NOW, BODY).to_uppercase();
    let signed = format!(" t = {NOW} , v0=x, flag, V2= {digest} ,");
    assert!(check(&verifier(), Some(&signed), BODY).is_ok());
}

#[test]
fn the_v1_digest_alone_never_authenticates() {
    let digest = v2_digest(SECRET, NOW, BODY);
    let signed = format!("t={NOW},v1={digest},v2={}", "ab".repeat(32));
    let got = check(&verifier(), Some(&signed), BODY);
    assert_eq!(got.err(), Some(VerifyError::BadSignature));
}

#[test]
fn blank_secrets_never_authenticate() {
    let v = Verifier::new(&[Secret::new(""), Secret::new("  ")], TOLERANCE);
    let got = check(&v, Some(&header("", NOW, BODY)), BODY);
    assert_eq!(got.err(), Some(VerifyError::BadSignature));
}

#[test]
fn reasons_are_stable_metric_labels() {
    let labels = [
        VerifyError::MissingHeader,
        VerifyError::MalformedHeader,
        VerifyError::Stale,
        VerifyError::Future,
        VerifyError::BadSignature,
    ]
    .map(|e| e.reason());
    let want = [
        "missing_header",
        "malformed_header",
        "stale",
        "future",
        "bad_signature",
    ];
    assert_eq!(labels, want);
}

#[test]
fn debug_output_never_shows_secrets_digests_or_the_body() {
    let v = Verifier::new(&[Secret::new(SECRET)], TOLERANCE);
    let shown = format!("{v:?}");
    assert!(
        !shown.contains("XqTEJ") && !shown.contains("whsec"),
        "{shown}"
    );
    let ok = check(&v, Some(&header(SECRET, NOW, BODY)), BODY).expect("verifies");
    let shown = format!("{ok:?}");
    assert!(
        !shown.contains("kyc") && !shown.contains("1d48c087"),
        "{shown}"
    );
    let errors = format!(
        "{:?} {}",
        VerifyError::BadSignature,
        VerifyError::BadSignature
    );
    assert!(!errors.contains(&v2_digest(SECRET, NOW, BODY)));
}
