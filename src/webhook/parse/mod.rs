//! Turns a [`Verified`] body into the typed [`ParsedEvent`] (docs/reference/atelio-api.md §3) and derives its dedupe
//! key. Signed JSON is kept and relayed even when it is not a KYC/KYB event; only a body that is
//! not JSON at all is refused ([`Unparseable`]). Tolerated drift (docs/reference/atelio-api.md §6): event-name
//! aliases and case/spacing (items 1–3), `customer_id` on beneficial-owner events (9), `reasons`
//! as object or string (10), `fields` vs `incorrect_information` (11), `sent_time` for
//! `occurred_at` (14), the JSON syntax slips of items 34–37 (via `atelio_json`) and every
//! timestamp form of item 39 (via `atelio_json::timestamps`; the raw string is always kept).
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::verify::Verified;
use crate::atelio_json::timestamps::parse_timestamp;
use crate::atelio_json::{Obj, normalize_token, parse_body};
use crate::events::model::{EventKind, EventKind as K, ParsedEvent, Subject};

mod fields;

use fields::{family_of, fill_details, subject};

/// Normalised event names (see [`normalize_event_name`]) and their kinds, aliases included.
const KINDS: [(&str, EventKind); 15] = [
    ("kyc.verification.success", K::KycSuccess),
    ("kyc.verification.passed", K::KycSuccess),
    ("kyc.verification.failure", K::KycFailure),
    ("kyc.verification.failed", K::KycFailure),
    ("kyc.verification.error", K::KycError),
    ("kyc.verification.timeout", K::KycTimeout),
    ("kyc.verification.document_required", K::KycDocumentRequired),
    (
        "kyc.verification.documents_required",
        K::KycDocumentRequired,
    ),
    ("kyc.verification.under_review", K::KycUnderReview),
    (
        "kyc.verification.reenter_information",
        K::KycReenterInformation,
    ),
    ("kyb.verification.approved", K::KybApproved),
    ("kyb.verification.rejected", K::KybRejected),
    ("kyb.verification.warning", K::KybWarning),
    ("kyb.verification.error", K::KybError),
    ("kyb.verification.initiated", K::KybInitiated),
];

/// Parses a verified body. Fails only when it is not JSON (after lenient repair); JSON that is
/// not an object becomes kind `Unknown` with only `raw_json` set. An object of an unknown family
/// (or an unknown `kyc.`/`kyb.` event) becomes `Unknown` with its envelope kept (`event_name`,
/// subject, `occurred_at`) and the KYC/KYB detail fields left empty; the raw JSON holds the rest.
pub fn parse(v: &Verified) -> Result<ParsedEvent, Unparseable> {
    let mut event = empty_event(String::from_utf8_lossy(v.body()).into_owned());
    let map = match parse_body(v.body()) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Ok(event),
        Err(_) => return Err(Unparseable),
    };
    let o = Obj(&map);
    event.event_name = o.str("event").unwrap_or_default();
    let normalized = normalize_event_name(&event.event_name);
    let family = family_of(&normalized);
    event.kind = kind_of(&normalized);
    event.subject = subject(family, o);
    event.occurred_at_raw = o.str_any(&["occurred_at", "sent_time"]).unwrap_or_default();
    event.occurred_at = parse_timestamp(&event.occurred_at_raw);
    if event.kind != EventKind::Unknown {
        fill_details(&mut event, family, o);
    }
    Ok(event)
}

/// A correctly signed body that is not JSON even after lenient repair (answered 400, not stored).
#[derive(Debug, thiserror::Error)]
#[error("the signed webhook body is not JSON")]
pub struct Unparseable;

/// The dedupe key (lowercase hex SHA-256).
///
/// Atelio documents no event id and says to match duplicates on (`event`, `occurred_at`); we add
/// the subject id. When `occurred_at` (or `sent_time`) is present **and** the event names a
/// subject, the key hashes (canonical event name, subject id, `occurred_at` exactly as sent) —
/// the canonical name resolves aliases and case, so a retry is recognised even if it spells the
/// event differently. Otherwise the key hashes the raw body: without a subject, the tuple is too
/// coarse (two card events of the same second, whose ids sit in a nested object, would collide
/// and the second would be dropped); a body hash can at worst let a re-serialised retry through
/// twice, which is the safer failure.
pub fn dedupe_key(e: &ParsedEvent) -> String {
    let subject_id = e.subject.id().unwrap_or_default();
    if e.occurred_at_raw.is_empty() || subject_id.is_empty() {
        return hex::encode(Sha256::digest(e.raw_json.as_bytes()));
    }
    let name = canonical_name(e);
    let mut hasher = Sha256::new();
    hasher.update(b"atelio-event-v1");
    for part in [name.as_str(), subject_id, e.occurred_at_raw.as_str()] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Each dot-separated segment through [`normalize_token`]: `" KYC.Verification.Document
/// Required "` → `kyc.verification.document_required`.
fn normalize_event_name(name: &str) -> String {
    name.split('.')
        .map(normalize_token)
        .collect::<Vec<_>>()
        .join(".")
}

fn kind_of(normalized: &str) -> EventKind {
    KINDS
        .iter()
        .find(|(name, _)| *name == normalized)
        .map_or(EventKind::Unknown, |(_, kind)| *kind)
}

/// The first documented name of a known kind; the normalised name of an unknown one.
fn canonical_name(e: &ParsedEvent) -> String {
    match KINDS.iter().find(|(_, kind)| *kind == e.kind) {
        Some((name, _)) => (*name).to_string(),
        None => normalize_event_name(&e.event_name),
    }
}

fn empty_event(raw_json: String) -> ParsedEvent {
    ParsedEvent {
        kind: EventKind::Unknown,
        event_name: String::new(),
        subject: Subject::None,
        occurred_at: None,
        occurred_at_raw: String::new(),
        documents: Vec::new(),
        fields: Vec::new(),
        reasons: Vec::new(),
        reasons_text: String::new(),
        error_code: String::new(),
        description: String::new(),
        inquiry_id: String::new(),
        kyb_details: Vec::new(),
        raw_json,
        context: Default::default(),
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod other_tests;

#[cfg(test)]
mod dedupe_tests;
