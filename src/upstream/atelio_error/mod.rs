//! Decoding Atelio's error bodies (docs/reference/atelio-api.md §5.4) into one `AtelioError`; used by
//! `upstream/client.rs` for every non-2xx answer, carried in `UpstreamError::Rejected` and
//! mapped to a gRPC status (with field violations) by `grpc/status/`.
//!
//! Shapes: the standard `{Message, Status, Code, Type}` in any key case, with `Message` as a
//! string, an object or a stringified Python dict; bare validation maps; `{error, error_code,
//! details}`; `{Error}`; `{message}`; the credit service's `{status, code, message, details}`.
use serde_json::{Map, Value};

use crate::atelio_json::{Obj, is_null_text, parse_body, parse_python_repr};

/// Longest `message` kept, in characters; longer texts are cut and end with "…".
const MAX_MESSAGE_CHARS: usize = 500;
/// Keys holding the message, in order of preference (matched in any case).
const MESSAGE_KEYS: [&str; 3] = ["message", "error", "error_message"];
/// Summary used for dict-shaped messages; the field paths are appended.
const VALIDATION_FAILED: &str = "validation failed";

/// An Atelio error body, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AtelioError {
    /// A short human message; for dict messages, a summary like "validation failed: last_name"
    /// (field names only, never values).
    pub message: Option<String>,
    /// Atelio "Code", e.g. "customer_dne"; also from "error_code" or the credit service's
    /// symbolic "status" / numeric "code".
    pub code: Option<String>,
    /// Atelio "Type", e.g. "Request Error".
    pub error_type: Option<String>,
    /// The "Status" in the body, if it is an HTTP status (100–599).
    pub status: Option<u16>,
    /// (field path, message) from dict-shaped messages, sorted by path. Nested maps give dotted
    /// paths (`names.first_name`); list positions give `addresses[0].street`.
    pub field_violations: Vec<(String, String)>,
}

/// Decodes an error body of any documented shape; never fails (unknown shapes -> default with
/// message None). Non-JSON bodies (HTML, plain text) give the default.
pub fn parse_error_body(bytes: &[u8]) -> AtelioError {
    let Some(value) = decode(bytes) else {
        return AtelioError::default();
    };
    let mut err = match &value {
        Value::Object(map) => from_object(Obj(map)),
        Value::String(s) => AtelioError {
            message: short_message(s),
            ..AtelioError::default()
        },
        _ => AtelioError::default(),
    };
    err.field_violations.sort_by(|a, b| a.0.cmp(&b.0));
    err
}

/// The body as JSON: the lenient parser, then as a whole Python dict, then line by line.
fn decode(bytes: &[u8]) -> Option<Value> {
    if let Ok(value) = parse_body(bytes) {
        return Some(value);
    }
    let text = std::str::from_utf8(bytes).ok()?.trim();
    if !(text.starts_with('{') && text.ends_with('}')) {
        return None;
    }
    parse_python_repr(text).or_else(|| salvage_lines(text).map(Value::Object))
}

/// Last resort for object-looking bodies no parser accepts (the create-customer example has a
/// stray `,0` after a value): each `key: value` line is parsed on its own, dropping what follows
/// its last comma if needed; lines that still fail are skipped.
fn salvage_lines(text: &str) -> Option<Map<String, Value>> {
    let mut map = Map::new();
    for line in text.lines() {
        let line = line
            .trim()
            .trim_end_matches('\\')
            .trim_end()
            .trim_end_matches(',');
        let candidates = [Some(line), line.rsplit_once(',').map(|(head, _)| head)];
        let parsed = candidates
            .into_iter()
            .flatten()
            .find_map(|c| parse_python_repr(&format!("{{{c}}}")));
        if let Some(Value::Object(entries)) = parsed {
            map.extend(entries);
        }
    }
    (!map.is_empty()).then_some(map)
}

fn from_object(o: Obj<'_>) -> AtelioError {
    let mut err = AtelioError::default();
    let message = MESSAGE_KEYS.iter().find_map(|k| o.raw(k));
    if message.is_none() && is_validation_map(o.0) {
        set_violations(&mut err, o.0);
        return err;
    }
    err.code = code_of(o);
    err.error_type = o.str("type");
    err.status = o.i64("status").and_then(http_status);
    let message = MESSAGE_KEYS
        .iter()
        .find_map(|k| o.raw(k).filter(|v| !v.is_null()));
    if let Some(value) = message {
        apply_message(&mut err, value);
    }
    if err.field_violations.is_empty()
        && let Some(Value::Object(details)) = o.raw("details")
        && is_validation_map(details)
    {
        let kept = err.message.take();
        set_violations(&mut err, details);
        err.message = kept.or(err.message);
    }
    err
}

/// Code precedence: a string `Code` (Atelio's category), then `error_code` ([Y] shape), then a
/// non-numeric `status` (the credit service's `ERROR_CODE_…`, which names the error the way
/// `Code` does), and only then a numeric `code` (the credit service's 3001) as decimal text.
/// The credit service's numeric code is therefore dropped when its symbolic status is present;
/// its `status` never fills `AtelioError::status`, which is reserved for HTTP statuses.
fn code_of(o: Obj<'_>) -> Option<String> {
    let text_code = match o.raw("code") {
        Some(Value::String(_)) => o.str("code"),
        _ => None,
    };
    text_code
        .or_else(|| o.str("error_code"))
        .or_else(|| o.str("status").filter(|s| s.trim().parse::<i64>().is_err()))
        .or_else(|| o.str("code"))
}

fn http_status(n: i64) -> Option<u16> {
    u16::try_from(n).ok().filter(|s| (100..=599).contains(s))
}

fn apply_message(err: &mut AtelioError, value: &Value) {
    match value {
        Value::Object(map) => set_violations(err, map),
        Value::String(s) if looks_like_dict(s) => match parse_python_repr(s.trim()) {
            Some(Value::Object(map)) => set_violations(err, &map),
            _ => err.message = Some(VALIDATION_FAILED.to_string()),
        },
        Value::String(s) => err.message = short_message(s),
        Value::Array(items) => {
            let parts: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            err.message = short_message(&parts.join("; "));
        }
        _ => {}
    }
}

fn looks_like_dict(s: &str) -> bool {
    let t = s.trim();
    t.starts_with('{') && t.ends_with('}')
}

/// Field violations from a field → messages map, and the summary message naming the fields.
fn set_violations(err: &mut AtelioError, map: &Map<String, Value>) {
    collect_map("", map, &mut err.field_violations);
    let mut fields: Vec<&str> = err
        .field_violations
        .iter()
        .map(|(f, _)| f.as_str())
        .collect();
    fields.sort_unstable();
    fields.dedup();
    err.message = Some(if fields.is_empty() {
        VALIDATION_FAILED.to_string()
    } else {
        format!("{VALIDATION_FAILED}: {}", fields.join(", "))
    });
}

fn collect_map(prefix: &str, map: &Map<String, Value>, out: &mut Vec<(String, String)>) {
    for (key, value) in map {
        collect_value(&join_path(prefix, key), value, out);
    }
}

fn collect_value(path: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) => out.extend(short_message(s).map(|m| (path.to_string(), m))),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::Object(_) | Value::Array(_) => {
                        collect_value(&format!("{path}[{i}]"), item, out)
                    }
                    _ => collect_value(path, item, out),
                }
            }
        }
        Value::Object(map) => collect_map(path, map, out),
        _ => {}
    }
}

/// `names` + `first_name` -> `names.first_name`; marshmallow's list positions (`"0"`) -> `[0]`.
fn join_path(prefix: &str, key: &str) -> String {
    let is_index = !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit());
    match (prefix.is_empty(), is_index) {
        (true, _) => key.to_string(),
        (false, true) => format!("{prefix}[{key}]"),
        (false, false) => format!("{prefix}.{key}"),
    }
}

/// A non-empty map whose every value is a non-empty list of messages (or of such maps) or a
/// nested such map: `{"dob": ["Missing data…"], "names": {"first_name": ["…"]}}`.
fn is_validation_map(map: &Map<String, Value>) -> bool {
    !map.is_empty() && map.values().all(is_validation_value)
}

fn is_validation_value(value: &Value) -> bool {
    match value {
        Value::Array(items) => {
            !items.is_empty()
                && items.iter().all(|i| match i {
                    Value::String(_) => true,
                    Value::Object(map) => is_validation_map(map),
                    _ => false,
                })
        }
        Value::Object(map) => is_validation_map(map),
        _ => false,
    }
}

/// Trimmed, None for null-ish text, cut to `MAX_MESSAGE_CHARS` characters.
fn short_message(s: &str) -> Option<String> {
    if is_null_text(s) {
        return None;
    }
    let t = s.trim();
    Some(match t.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &t[..cut]),
        None => t.to_string(),
    })
}

#[cfg(test)]
mod tests;
