//! Addresses (docs/reference/atelio-api.md §2.2.1–2): two documented validation profiles, customers (C) and
//! businesses / beneficial owners (B), and the response form with generated id and dates.
use serde_json::{Map, Value, json};

use super::validate::{MISSING, Problems, text};

/// Which length rules apply.
#[derive(Debug, Clone, Copy)]
pub enum Profile {
    /// Customers: street 1–40, street2 ≤ 40, city 2–40.
    Customer,
    /// Businesses and beneficial owners: street 8–30, street2 3–20, city ≤ 20.
    Business,
}

impl Profile {
    fn street(self) -> (usize, usize) {
        match self {
            Profile::Customer => (1, 40),
            Profile::Business => (8, 30),
        }
    }
    fn street2(self) -> (usize, usize) {
        match self {
            Profile::Customer => (0, 40),
            Profile::Business => (3, 20),
        }
    }
    fn city(self) -> (usize, usize) {
        match self {
            Profile::Customer => (2, 40),
            Profile::Business => (1, 20),
        }
    }
}

fn within(v: &str, (min, max): (usize, usize)) -> bool {
    (min..=max).contains(&v.chars().count())
}

fn street_chars(v: &str) -> bool {
    v.chars()
        .all(|c| c.is_ascii_alphanumeric() || " .,_-#".contains(c))
}

fn us_zip(v: &str) -> bool {
    let b = v.as_bytes();
    let five = |s: &[u8]| s.len() == 5 && s.iter().all(u8::is_ascii_digit);
    five(b)
        || (b.len() == 10 && five(&b[..5]) && b[5] == b'-' && b[6..].iter().all(u8::is_ascii_digit))
}

/// Checks one address; problems are reported under `{field}.{i}.{name}`.
pub fn check(a: &Value, profile: Profile, at: &str, p: &mut Problems) {
    let Some(o) = a.as_object() else {
        p.add(at, "Not a valid address object.");
        return;
    };
    let mut local = Problems::default();
    let kind = text(o, "address_type", true, &mut local);
    if kind.is_some_and(|k| k != "MAILING" && k != "PHYSICAL") {
        local.add("address_type", "Must be one of: MAILING, PHYSICAL.");
    }
    if text(o, "street", true, &mut local)
        .is_some_and(|s| !within(s, profile.street()) || !street_chars(s))
    {
        local.add("street", "Invalid street.");
    }
    if text(o, "street2", false, &mut local)
        .is_some_and(|s| !s.is_empty() && (!within(s, profile.street2()) || !street_chars(s)))
    {
        local.add("street2", "Invalid street2.");
    }
    if text(o, "city", true, &mut local).is_some_and(|s| !within(s, profile.city())) {
        local.add("city", "Invalid city.");
    }
    let country = text(o, "country", true, &mut local);
    if country.is_some_and(|c| c.len() != 2 || !c.chars().all(|x| x.is_ascii_uppercase())) {
        local.add("country", "Must be an ISO 3166-1 alpha-2 code.");
    }
    let us = country == Some("US");
    let state = text(o, "state", true, &mut local);
    if state.is_some_and(|s| {
        if us {
            s.len() != 2 || !s.chars().all(|c| c.is_ascii_uppercase())
        } else {
            !within(s, (1, 20))
        }
    }) {
        local.add("state", "Invalid state.");
    }
    let zip = text(o, "zip_code", true, &mut local);
    if zip.is_some_and(|z| if us { !us_zip(z) } else { !within(z, (2, 20)) }) {
        local.add("zip_code", "Invalid zip code.");
    }
    match o.get("is_primary") {
        Some(Value::Bool(_)) => {}
        None => local.add("is_primary", MISSING),
        Some(_) => local.add("is_primary", "Not a valid boolean."),
    }
    for (field, messages) in local.into_map() {
        for m in messages.as_array().into_iter().flatten() {
            p.add(&format!("{at}.{field}"), m.as_str().unwrap_or_default());
        }
    }
}

/// Checks a required list: at least one address, at least one primary.
pub fn check_list(o: &Map<String, Value>, field: &str, profile: Profile, p: &mut Problems) {
    match o.get(field) {
        None | Some(Value::Null) => p.add(field, MISSING),
        Some(Value::Array(list)) if list.is_empty() => {
            p.add(field, "At least one address is required.")
        }
        Some(Value::Array(list)) => {
            for (i, a) in list.iter().enumerate() {
                check(a, profile, &format!("{field}.{i}"), p);
            }
            if !list.iter().any(|a| a["is_primary"] == json!(true)) {
                p.add(field, "One address must be primary.");
            }
        }
        Some(_) => p.add(field, "Not a valid list."),
    }
}

/// The stored (response) form of a validated address.
pub fn stored(a: &Value, now: &str) -> Value {
    let mut out = Map::new();
    for key in [
        "address_type",
        "street",
        "street2",
        "city",
        "state",
        "zip_code",
        "country",
        "is_primary",
    ] {
        let v = a.get(key).cloned().unwrap_or(if key == "street2" {
            json!("")
        } else {
            Value::Null
        });
        out.insert(key.into(), v);
    }
    out.insert("address_id".into(), json!(uuid::Uuid::new_v4().to_string()));
    out.insert("date_created".into(), json!(now));
    out.insert("date_updated".into(), json!(now));
    Value::Object(out)
}
