//! Checks Atelio's `Bond-Signature` header (docs/reference/atelio-api.md §4) over the raw request bytes and turns
//! them into [`Verified`], the only input the parser accepts (docs/reference/architecture.md §5 habit 9). Scheme:
//! `t={unix seconds},v1={legacy},v2={hex HMAC-SHA256}`; v2 is HMAC-SHA256 keyed by the
//! subscription secret as given (UTF-8, `whsec_` prefix kept) over `"{t}."` + the raw body. v1
//! (Python-`json` re-serialisation) is not reproducible and is ignored. The timestamp window is
//! the gateway's policy, not Atelio's (undocumented there). Errors and `Debug` never show the
//! body, the header's digests or a secret.
use std::time::Duration;

use bytes::Bytes;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::config::Secret;

type HmacSha256 = Hmac<Sha256>;

/// Length in bytes of a v2 digest (64 hex characters).
const DIGEST_LEN: usize = 32;

/// Body bytes whose signature checked out. Only [`Verifier::verify`] can make one (private
/// fields), so the parser can only ever see verified input.
pub struct Verified {
    body: Bytes,
    timestamp: i64,
}

impl Verified {
    /// The raw body, exactly as received and signed.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The signed `t` (Unix seconds).
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }
}

impl std::fmt::Debug for Verified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verified")
            .field("timestamp", &self.timestamp)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Why a delivery was refused (answered 401, nothing stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// No `Bond-Signature` header.
    #[error("missing Bond-Signature header")]
    MissingHeader,
    /// No usable `t`, or no well-formed `v2`.
    #[error("malformed Bond-Signature header")]
    MalformedHeader,
    /// Correctly signed, but `t` is older than the tolerance.
    #[error("timestamp outside the tolerance")]
    Stale,
    /// Correctly signed, but `t` is further ahead than the tolerance.
    #[error("timestamp in the future beyond the tolerance")]
    Future,
    /// No v2 digest matches any accepted secret.
    #[error("signature does not match")]
    BadSignature,
}

impl VerifyError {
    /// A stable snake_case label for metrics and logs.
    pub fn reason(&self) -> &'static str {
        match self {
            VerifyError::MissingHeader => "missing_header",
            VerifyError::MalformedHeader => "malformed_header",
            VerifyError::Stale => "stale",
            VerifyError::Future => "future",
            VerifyError::BadSignature => "bad_signature",
        }
    }
}

/// The parts of a `Bond-Signature` header this gateway uses.
struct SignatureHeader<'a> {
    /// `t` as sent (ASCII digits): the signed message starts with exactly these bytes.
    t_text: &'a str,
    t: i64,
    v2: Vec<[u8; DIGEST_LEN]>,
}

/// Checks `Bond-Signature` against every currently accepted subscription secret.
pub struct Verifier {
    secrets: Vec<Vec<u8>>,
    tolerance_secs: u64,
}

impl Verifier {
    /// `secrets`: every currently accepted subscription secret (several during rotation), used
    /// as given (UTF-8 bytes, `whsec_` prefix included). Blank secrets are skipped: an empty
    /// HMAC key is public knowledge, so it must never authenticate anything. `tolerance`: the
    /// largest accepted |now − t|, in whole seconds (sub-second parts are dropped;
    /// `Duration::MAX` effectively disables the window).
    pub fn new(secrets: &[Secret], tolerance: Duration) -> Verifier {
        Verifier {
            secrets: secrets
                .iter()
                .filter(|s| !s.is_empty())
                .map(|s| s.expose().as_bytes().to_vec())
                .collect(),
            tolerance_secs: tolerance.as_secs(),
        }
    }

    /// How many secrets are accepted.
    pub fn secret_count(&self) -> usize {
        self.secrets.len()
    }

    /// Verifies `header` (the `Bond-Signature` value) over `body` at `now_unix` (seconds).
    ///
    /// Order: header present → header well-formed (a `t` of decimal digits and at least one
    /// `v2` of 64 hex digits, either case) → some v2 matches some secret (constant-time) →
    /// |now − t| within the tolerance. The signature is checked before the clock so that
    /// `stale`/`future` only ever count authentic deliveries (a signal that Atelio's clock or
    /// retry timestamps disagree with our window), never forgeries.
    pub fn verify(
        &self,
        header: Option<&str>,
        body: Bytes,
        now_unix: i64,
    ) -> Result<Verified, VerifyError> {
        let header = parse_header(header.ok_or(VerifyError::MissingHeader)?)?;
        if !self.any_secret_matches(&header, &body) {
            return Err(VerifyError::BadSignature);
        }
        self.check_window(header.t, now_unix)?;
        Ok(Verified {
            body,
            timestamp: header.t,
        })
    }

    /// The checks that need no body, made before the body is read: header present and
    /// well-formed, `t` within the window. A delivery failing them is answered at once (its
    /// body never read), so a flood of unsigned or replayed-stale requests costs a header
    /// parse each. `stale`/`future` from here count unauthenticated deliveries too: telling a
    /// forgery from an authentic stale delivery would need the body.
    pub fn precheck(&self, header: Option<&str>, now_unix: i64) -> Result<(), VerifyError> {
        let header = parse_header(header.ok_or(VerifyError::MissingHeader)?)?;
        self.check_window(header.t, now_unix)
    }

    fn any_secret_matches(&self, header: &SignatureHeader<'_>, body: &[u8]) -> bool {
        self.secrets.iter().any(|secret| {
            expected_digest(secret, header.t_text, body).is_some_and(|expected| {
                header
                    .v2
                    .iter()
                    .any(|candidate| bool::from(expected.ct_eq(candidate)))
            })
        })
    }

    fn check_window(&self, t: i64, now_unix: i64) -> Result<(), VerifyError> {
        if now_unix.abs_diff(t) <= self.tolerance_secs {
            Ok(())
        } else if t < now_unix {
            Err(VerifyError::Stale)
        } else {
            Err(VerifyError::Future)
        }
    }
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field(
                "secrets",
                &format_args!("<{} redacted>", self.secrets.len()),
            )
            .field("tolerance_secs", &self.tolerance_secs)
            .finish()
    }
}

/// HMAC-SHA256(secret, "{t}." + body). HMAC takes keys of any length, so this is always
/// `Some`; a `None` would match nothing.
fn expected_digest(secret: &[u8], t_text: &str, body: &[u8]) -> Option<[u8; DIGEST_LEN]> {
    let mut mac = HmacSha256::new_from_slice(secret).ok()?;
    mac.update(t_text.as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac.finalize().into_bytes().into())
}

/// Splits on ',', then each part on its first '='; whitespace around parts, keys and values is
/// trimmed; keys match case-insensitively; unknown keys and parts without '=' are ignored.
/// `t` must be ASCII digits (a repeated `t` must repeat the same value). `v2` values that are
/// not 64 hex digits are skipped; at least one good one must remain.
fn parse_header(header: &str) -> Result<SignatureHeader<'_>, VerifyError> {
    let mut t_text: Option<&str> = None;
    let mut v2 = Vec::new();
    for (key, value) in header.split(',').filter_map(|part| part.split_once('=')) {
        let (key, value) = (key.trim(), value.trim());
        if key.eq_ignore_ascii_case("t") {
            if t_text.is_some_and(|seen| seen != value) {
                return Err(VerifyError::MalformedHeader);
            }
            t_text = Some(value);
        } else if key.eq_ignore_ascii_case("v2") {
            v2.extend(decode_digest(value));
        }
    }
    let t_text = t_text.ok_or(VerifyError::MalformedHeader)?;
    let t = parse_seconds(t_text).ok_or(VerifyError::MalformedHeader)?;
    if v2.is_empty() {
        return Err(VerifyError::MalformedHeader);
    }
    Ok(SignatureHeader { t_text, t, v2 })
}

/// Decimal Unix seconds: 1–19 ASCII digits, no sign.
fn parse_seconds(text: &str) -> Option<i64> {
    let digits_only = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    digits_only.then(|| text.parse().ok()).flatten()
}

/// Exactly 64 hex digits (either case) → 32 bytes.
fn decode_digest(text: &str) -> Option<[u8; DIGEST_LEN]> {
    let mut out = [0; DIGEST_LEN];
    hex::decode_to_slice(text, &mut out).ok().map(|()| out)
}

#[cfg(test)]
mod tests;
