//! Atelio's JSON dialect, on the ground floor: lenient objects ([`Obj`]), body parsing that
//! repairs syntax drift (`syntax`), list envelopes and paging (`envelope`) and timestamps
//! (`timestamps`). Used by both edges — the outbound client and its error bodies
//! (`upstream`), the response decoders (`grpc/decode`) and the webhook parser (`webhook`) —
//! so neither side depends on the other. It tolerates what Atelio's documentation shows it
//! sends (docs/design-choices.md): trailing commas, Python-style quoting, markdown escapes,
//! string nulls, aliased keys and several list envelopes.
use serde_json::{Map, Value};

use timestamps::parse_timestamp;

mod envelope;
mod syntax;
pub mod timestamps;

pub use envelope::{PageInfo, list_items};
pub use syntax::parse_body;
pub(crate) use syntax::parse_python_repr;

/// A read-only view over a JSON object with lenient accessors. Keys match exactly first, then
/// ASCII-case-insensitively (error bodies use `Message`/`message` interchangeably).
#[derive(Clone, Copy, Debug)]
pub struct Obj<'a>(pub &'a Map<String, Value>);

impl<'a> Obj<'a> {
    /// The view over `v` if it is an object.
    pub fn from_value(v: &'a Value) -> Option<Obj<'a>> {
        v.as_object().map(Obj)
    }

    /// The value under `key` as sent, JSON null included; None only when absent.
    pub fn raw(&self, key: &str) -> Option<&'a Value> {
        let map: &'a Map<String, Value> = self.0;
        map.get(key).or_else(|| {
            map.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        })
    }

    /// String value; None for absent, JSON null, "", and the literal strings "null"/"None"
    /// (any case). Numbers and bools are rendered to strings.
    pub fn str(&self, key: &str) -> Option<String> {
        self.raw(key).and_then(scalar_string)
    }

    /// First key present (via `str`) among aliases, e.g. &["legal_business_name", "business_name"].
    pub fn str_any(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| self.str(k))
    }

    /// true/false, "true"/"false" (any case, also "1"/"0"), and the numbers 1/0.
    pub fn bool(&self, key: &str) -> Option<bool> {
        match self.raw(key)? {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => match n.as_f64()? {
                1.0 => Some(true),
                0.0 => Some(false),
                _ => None,
            },
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// An integer number (or a float with no fraction), or a numeric string.
    pub fn i64(&self, key: &str) -> Option<i64> {
        match self.raw(key)? {
            Value::Number(n) => n.as_i64().or_else(|| whole_f64(n.as_f64()?)),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The nested object under `key`.
    pub fn obj(&self, key: &str) -> Option<Obj<'a>> {
        self.raw(key).and_then(Obj::from_value)
    }

    /// Array under the first present alias (e.g. &["addresses", "address"]); a single object
    /// where an array is expected becomes one item. Absent/null (or "null") -> empty vec.
    pub fn array_any(&self, keys: &[&str]) -> Vec<&'a Value> {
        for key in keys {
            match self.raw(key) {
                Some(Value::Array(items)) => return items.iter().collect(),
                Some(item @ Value::Object(_)) => return vec![item],
                _ => {}
            }
        }
        Vec::new()
    }

    /// A string array (null-ish items dropped), or a single string as one item.
    pub fn strings(&self, key: &str) -> Vec<String> {
        match self.raw(key) {
            Some(Value::Array(items)) => items.iter().filter_map(scalar_string).collect(),
            Some(other) => scalar_string(other).into_iter().collect(),
            None => Vec::new(),
        }
    }

    /// A timestamp in any documented form (see `timestamps::parse_timestamp`).
    pub fn timestamp(&self, key: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        self.str(key).and_then(|s| parse_timestamp(&s))
    }
}

fn whole_f64(f: f64) -> Option<i64> {
    let in_range = f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64;
    in_range.then_some(f as i64)
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => (!is_null_text(s)).then(|| s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// "", whitespace, "null" and "None" (any case) stand for a missing value (§6 item 22).
pub(crate) fn is_null_text(s: &str) -> bool {
    let t = s.trim();
    t.is_empty() || t.eq_ignore_ascii_case("null") || t.eq_ignore_ascii_case("none")
}

/// Normalises a status/enum string: trim, lower-case, '+', ' ', '-' -> '_', collapse repeats.
/// "Under Review" -> "under_review", "under+review" -> "under_review",
/// "document required" -> "document_required", "Approved" -> "approved".
/// Separators at either end are dropped.
pub fn normalize_token(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars() {
        if matches!(c, '+' | '-' | '_') || c.is_whitespace() {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
        } else {
            out.extend(c.to_lowercase());
        }
    }
    if out.ends_with('_') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests;
