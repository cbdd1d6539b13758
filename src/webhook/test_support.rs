//! Test-only helpers for the webhook POST → verify → parse → dedupe → durable log path: an
//! independent `Bond-Signature` signer (built directly on the `hmac` crate, never on
//! production code), fixture loading, and shortcuts from bytes to a [`Verified`] body and on to
//! a [`ParsedEvent`].
use std::time::Duration;

use bytes::Bytes;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::parse::parse;
use super::verify::{Verified, Verifier};
use crate::config::Secret;
use crate::events::model::ParsedEvent;

/// A subscription secret shaped like Atelio's (`whsec_` + 32 characters, `/` included).
pub const SECRET: &str = "whsec_XqTEJtniwuEhp0A1c1cTJNsmpR/qgOfB";

/// The "current" Unix time of every test.
pub const NOW: i64 = 1_700_000_000;

/// The default tolerance of docs/reference/architecture.md §3 (300 s).
pub const TOLERANCE: Duration = Duration::from_secs(300);

/// Lowercase hex HMAC-SHA256(secret, "{t}." + body), computed here without production code.
pub fn v2_digest(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// A header as Atelio sends it: `t`, a (meaningless here) v1, then v2.
pub fn header(secret: &str, t: i64, body: &[u8]) -> String {
    format!(
        "t={t},v1={},v2={}",
        "0".repeat(64),
        v2_digest(secret, t, body)
    )
}

/// A verifier for [`SECRET`] with the default tolerance.
pub fn verifier() -> Verifier {
    Verifier::new(&[Secret::new(SECRET)], TOLERANCE)
}

/// Signs `body` at [`NOW`] and runs it through the production verifier.
pub fn verified(body: &[u8]) -> Verified {
    let signed = header(SECRET, NOW, body);
    verifier()
        .verify(Some(&signed), Bytes::copy_from_slice(body), NOW)
        .expect("a freshly signed fixture verifies")
}

/// The bytes of `tests/fixtures/webhook/{name}`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/webhook")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// A fixture file signed, verified and parsed.
pub fn parsed_fixture(name: &str) -> ParsedEvent {
    parse(&verified(&fixture(name))).expect("a JSON fixture")
}

/// An inline body signed, verified and parsed.
pub fn parsed_body(body: &str) -> ParsedEvent {
    parse(&verified(body.as_bytes())).expect("a JSON body")
}
