//! Request validation as Atelio documents it (docs/reference/atelio-api.md §2.2–§2.7): collects every problem as
//! field → messages, the way Atelio's schema errors report them, so one answer names them all.
use serde_json::{Map, Value, json};

use super::error::ApiError;

pub const MISSING: &str = "Missing data for required field.";

/// The problems found in one request body.
#[derive(Default)]
pub struct Problems(Map<String, Value>);

impl Problems {
    pub fn add(&mut self, field: &str, message: &str) {
        let entry = self.0.entry(field.to_string()).or_insert_with(|| json!([]));
        if let Value::Array(list) = entry {
            list.push(json!(message));
        }
    }

    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }

    /// `Ok` when nothing was found, else a 400 with `code`.
    pub fn finish(self, code: &'static str) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::schema(code, self.0))
        }
    }
}

/// The body as an object, or a 400.
pub fn object<'a>(body: &'a Value, code: &'static str) -> Result<&'a Map<String, Value>, ApiError> {
    body.as_object()
        .ok_or_else(|| ApiError::bad_request(code, "The request body must be a JSON object"))
}

/// A string field: absent → None (and "missing" when `required`); present but not a string →
/// a problem.
pub fn text<'a>(
    o: &'a Map<String, Value>,
    field: &str,
    required: bool,
    p: &mut Problems,
) -> Option<&'a str> {
    match o.get(field) {
        None | Some(Value::Null) => {
            if required {
                p.add(field, MISSING);
            }
            None
        }
        Some(Value::String(s)) => Some(s),
        Some(_) => {
            p.add(field, "Not a valid string.");
            None
        }
    }
}

/// Names: `min..=max` characters, starting with a letter, letters, spaces and apostrophes.
pub fn name(v: &str, min: usize, max: usize) -> bool {
    let n = v.chars().count();
    (min..=max).contains(&n)
        && v.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && v.chars()
            .all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '\'')
}

/// `YYYY-MM-DD`, a real calendar date.
pub fn date(v: &str) -> bool {
    v.len() == 10 && chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()
}

/// `###-##-####` or nine digits → the nine digits.
pub fn ssn(v: &str) -> Option<String> {
    let digits: String = v.chars().filter(char::is_ascii_digit).collect();
    let shaped = v.len() == 9 && v.chars().all(|c| c.is_ascii_digit())
        || v.len() == 11 && v.as_bytes()[3] == b'-' && v.as_bytes()[6] == b'-';
    (shaped && digits.len() == 9).then_some(digits)
}

pub fn email(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !v.contains(' ')
}

/// Digits, optionally dash-separated, optionally with a leading `+`.
pub fn phone(v: &str) -> bool {
    let rest = v.strip_prefix('+').unwrap_or(v);
    let digits = rest.chars().filter(char::is_ascii_digit).count();
    (7..=15).contains(&digits) && rest.chars().all(|c| c.is_ascii_digit() || c == '-')
}

pub fn uuid(v: &str) -> bool {
    uuid::Uuid::parse_str(v).is_ok()
}

/// `##-#######`.
pub fn ein(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 10
        && b[2] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 2 || c.is_ascii_digit())
}

/// Checks optional contact fields (`email`, `phone`, `phone_country_code`) where present.
pub fn contact(o: &Map<String, Value>, p: &mut Problems) {
    if let Some(e) = text(o, "email", false, p).filter(|e| !email(e)) {
        let _ = e;
        p.add("email", "Not a valid email address.");
    }
    if text(o, "phone", false, p).is_some_and(|v| !phone(v)) {
        p.add("phone", "Not a valid phone number.");
    }
    let code = text(o, "phone_country_code", false, p);
    if code.is_some_and(|c| !(1..=3).contains(&c.len()) || !c.chars().all(|d| d.is_ascii_digit())) {
        p.add("phone_country_code", "Must be 1 to 3 digits.");
    }
}
