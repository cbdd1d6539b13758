//! Field readers behind `parse` (webhook POST → verify → **parse** → dedupe → durable log):
//! which id names the subject (docs/reference/atelio-api.md §6 item 9) and the KYC/KYB detail fields (documents,
//! fields to re-enter, `reasons` as object or string, error code, KYB details), each tolerant
//! of the shapes the catalogue documents.
use serde_json::Value;

use crate::atelio_json::{Obj, is_null_text};
use crate::events::model::{EventDocument, EventKybDetail, ParsedEvent, Subject};

/// Which id keys name the subject.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    /// `kyc.*`
    Kyc,
    /// `kyb.*`
    Kyb,
    /// Any other family.
    Other,
}

/// The family of a normalised event name.
pub(super) fn family_of(normalized: &str) -> Family {
    if normalized.starts_with("kyc.") {
        Family::Kyc
    } else if normalized.starts_with("kyb.") {
        Family::Kyb
    } else {
        Family::Other
    }
}

/// Whose verification, from top-level id keys (string nulls such as `"null"` count as absent).
///
/// - `kyb.*`: `business_id`.
/// - `kyc.*`: `beneficial_owner_id` → beneficial owner. Otherwise `customer_id`, which Atelio
///   also puts on some beneficial-owner events (docs/reference/atelio-api.md §6 item 9: `documents_required`, the
///   PO-box failure, the post-upload `under_review`). Those carry nothing else telling them
///   apart, so they are reported as `Customer` — a known limitation; subscribers filtering by a
///   BO id should also match `Customer` with the same id. When the payload also carries a
///   `business_id` (a customer's KYC has no business), the id is taken as a beneficial owner's.
/// - anything else, or when the family's keys are absent: `beneficial_owner_id`, then
///   `customer_id`, then `business_id`.
pub(super) fn subject(family: Family, o: Obj<'_>) -> Subject {
    let id = |key: &str| o.str(key).map(|s| s.trim().to_string());
    let (owner, customer, business) = (
        id("beneficial_owner_id"),
        id("customer_id"),
        id("business_id"),
    );
    match (family, &owner, &customer, &business) {
        (Family::Kyb, _, _, Some(b)) => return Subject::Business(b.clone()),
        (Family::Kyc, None, Some(c), Some(_)) => return Subject::BeneficialOwner(c.clone()),
        _ => {}
    }
    match (owner, customer, business) {
        (Some(id), _, _) => Subject::BeneficialOwner(id),
        (None, Some(id), _) => Subject::Customer(id),
        (None, None, Some(id)) => Subject::Business(id),
        (None, None, None) => Subject::None,
    }
}

/// The KYC/KYB detail fields, read wherever present on a known kind.
pub(super) fn fill_details(event: &mut ParsedEvent, family: Family, o: Obj<'_>) {
    let text = |key: &str| o.str(key).unwrap_or_default();
    event.documents = items(o, "documents").filter_map(document).collect();
    event.fields = ["fields", "incorrect_information"]
        .iter()
        .map(|key| trimmed(o.strings(key)))
        .find(|list| !list.is_empty())
        .unwrap_or_default();
    (event.reasons, event.reasons_text) = reasons(o.raw("reasons"));
    event.error_code = text("error_code");
    event.description = text("description");
    event.inquiry_id = text("inquiry_id");
    if family == Family::Kyb {
        event.kyb_details = items(o, "details").filter_map(kyb_detail).collect();
    }
}

/// The items of the array under `key`; a lone object or string counts as one item.
fn items<'a>(o: Obj<'a>, key: &str) -> impl Iterator<Item = &'a Value> {
    let list: &'a [Value] = match o.raw(key) {
        Some(Value::Array(items)) => items,
        Some(one @ (Value::Object(_) | Value::String(_))) => std::slice::from_ref(one),
        _ => &[],
    };
    list.iter()
}

/// A `documents[]` item; a bare string is taken as its `document_type`.
fn document(item: &Value) -> Option<EventDocument> {
    if let Some(name) = item.as_str() {
        let document_type = name.trim().to_string();
        return (!document_type.is_empty()).then(|| EventDocument {
            document_type,
            ..EventDocument::default()
        });
    }
    let d = Obj::from_value(item)?;
    let text = |key: &str| d.str(key).unwrap_or_default();
    Some(EventDocument {
        document_type: text("document_type"),
        upload_link: text("upload_link"),
        status: text("status"),
    })
}

/// A KYB `details[]` item with a `code` or a `reason`.
fn kyb_detail(item: &Value) -> Option<EventKybDetail> {
    let d = Obj::from_value(item)?;
    let (code, reason) = (d.str("code"), d.str("reason"));
    (code.is_some() || reason.is_some()).then(|| EventKybDetail {
        code: code.unwrap_or_default(),
        reason: reason.unwrap_or_default(),
    })
}

/// `reasons`: an object → (key, value as text) pairs sorted by key; a string → the text; an
/// array of strings (undocumented) → the items joined with "; ".
fn reasons(raw: Option<&Value>) -> (Vec<(String, String)>, String) {
    match raw {
        Some(Value::Object(map)) => {
            let mut pairs: Vec<_> = map
                .iter()
                .map(|(key, value)| (key.clone(), value_text(value)))
                .collect();
            pairs.sort();
            (pairs, String::new())
        }
        Some(Value::Array(items)) => {
            let texts: Vec<_> = items
                .iter()
                .map(|item| value_text(item).trim().to_string())
                .filter(|t| !is_null_text(t))
                .collect();
            (Vec::new(), texts.join("; "))
        }
        Some(Value::String(s)) if !is_null_text(s) => (Vec::new(), s.trim().to_string()),
        _ => (Vec::new(), String::new()),
    }
}

/// Strings as they are, null as "", anything else as compact JSON.
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn trimmed(list: Vec<String>) -> Vec<String> {
    list.into_iter().map(|s| s.trim().to_string()).collect()
}
