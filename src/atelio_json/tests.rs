//! The lenient accessors of `Obj` and `normalize_token`, on fixtures copied from the
//! catalogue's documented variants (§2.2, §6 items 3, 12, 15, 22, 39).
use serde_json::{Value, json};

use super::*;

/// BO get response as published (markdown escapes + trailing comma, §6 items 34 and 37).
const BO_WITH_ESCAPES: &str = r#"{
  "beneficial_owner_id": "12345678-5d05-4562-a5e3-e61e12345678",
  "first_name": "New",
  "last_name": "Owner",
  "date_created": "2019-08-24T14:15:22Z",
  "dob": "1999-10-10",
  "address": [\
    {\
      "date_created": "2019-08-24T14:15:22Z",\
      "address_id": "12374791-5d05-4e3e-a5e3-e61e3817622134",\
      "address_type": "PHYSICAL",\
      "street": "345 California St.",\
      "city": "San Francisco",\
      "is_primary": true,\
    }\
  ]
}"#;

fn parsed(text: &str) -> Value {
    parse_body(text.as_bytes()).expect("fixture parses")
}

#[test]
fn string_nulls_and_empty_strings_read_as_absent() {
    let v = json!({"business_id": "null", "middle_name": "None", "street2": "", "brand_person_id": null, "x": " NULL "});
    let o = Obj::from_value(&v).expect("object");
    for key in [
        "business_id",
        "middle_name",
        "street2",
        "brand_person_id",
        "x",
        "missing",
    ] {
        assert_eq!(o.str(key), None, "{key}");
    }
}

#[test]
fn numbers_and_bools_read_as_strings() {
    let v = json!({"phone_country_code": 1, "is_primary": true, "f": 1.5});
    let o = Obj::from_value(&v).expect("object");
    assert_eq!(o.str("phone_country_code").as_deref(), Some("1"));
    assert_eq!(o.str("is_primary").as_deref(), Some("true"));
    assert_eq!(o.str("f").as_deref(), Some("1.5"));
}

#[test]
fn the_first_present_alias_wins() {
    let v = json!({"bond_brand_id": "null", "atelio_brand_id": "e2b37ab8", "brand_id": "other"});
    let o = Obj::from_value(&v).expect("object");
    let brand = o.str_any(&["bond_brand_id", "atelio_brand_id", "brand_id"]);
    assert_eq!(brand.as_deref(), Some("e2b37ab8"));
}

#[test]
fn keys_match_case_insensitively_when_no_exact_key_exists() {
    let v = json!({"Message": "m", "message": "exact"});
    let o = Obj::from_value(&v).expect("object");
    assert_eq!(o.str("message").as_deref(), Some("exact"));
    assert_eq!(o.str("MESSAGE").as_deref(), Some("m"));
}

#[test]
fn booleans_accept_strings_and_zero_or_one() {
    let v = json!({"a": "TRUE", "b": "false", "c": 1, "d": 0, "e": "yes", "f": 2, "g": true});
    let o = Obj::from_value(&v).expect("object");
    let got: Vec<_> = ["a", "b", "c", "d", "e", "f", "g"]
        .map(|k| o.bool(k))
        .into();
    let want = vec![
        Some(true),
        Some(false),
        Some(true),
        Some(false),
        None,
        None,
        Some(true),
    ];
    assert_eq!(got, want);
}

#[test]
fn integers_accept_numeric_strings_and_whole_floats() {
    let v = json!({"a": 3, "b": " 3 ", "c": 3.0, "d": 3.5, "e": "three", "f": null});
    let o = Obj::from_value(&v).expect("object");
    let got: Vec<_> = ["a", "b", "c", "d", "e", "f"].map(|k| o.i64(k)).into();
    assert_eq!(got, vec![Some(3), Some(3), Some(3), None, None, None]);
}

#[test]
fn a_bo_address_list_is_found_under_address_or_addresses() {
    let bo = parsed(BO_WITH_ESCAPES);
    let o = Obj::from_value(&bo).expect("object");
    let addresses = o.array_any(&["addresses", "address"]);
    assert_eq!(addresses.len(), 1);
    let first = Obj::from_value(addresses[0]).expect("address object");
    assert_eq!(first.str("address_type").as_deref(), Some("PHYSICAL"));
}

#[test]
fn a_single_object_where_an_array_is_expected_is_one_item() {
    let v = json!({"addresses": null, "address": {"street": "345 California St."}});
    let o = Obj::from_value(&v).expect("object");
    assert_eq!(o.array_any(&["addresses", "address"]).len(), 1);
    assert!(o.array_any(&["addresses", "missing"]).is_empty());
}

#[test]
fn strings_accept_a_list_or_a_single_string() {
    let v = json!({"fields": ["first_name", "null", "ssn"], "reasons": "Foreign Beneficial Owner"});
    let o = Obj::from_value(&v).expect("object");
    assert_eq!(o.strings("fields"), vec!["first_name", "ssn"]);
    assert_eq!(o.strings("reasons"), vec!["Foreign Beneficial Owner"]);
    assert!(o.strings("missing").is_empty());
}

#[test]
fn timestamps_parse_documented_forms_and_reject_malformed_ones() {
    let v = json!({"date_created": "2021-02-02-00:50:58.484840+00:00", "date_deleted": "2019-08-19:22:22Z"});
    let o = Obj::from_value(&v).expect("object");
    let created = o.timestamp("date_created").expect("parses");
    assert_eq!(created.to_rfc3339(), "2021-02-02T00:50:58.484840+00:00");
    assert_eq!(o.timestamp("date_deleted"), None);
    assert_eq!(o.str("date_deleted").as_deref(), Some("2019-08-19:22:22Z"));
}

#[test]
fn nested_objects_and_raw_values_are_reachable() {
    let v = json!({"page_info": {"page": 2}, "details": null});
    let o = Obj::from_value(&v).expect("object");
    assert_eq!(o.obj("page_info").and_then(|p| p.i64("page")), Some(2));
    assert_eq!(o.raw("details"), Some(&Value::Null));
    assert!(o.obj("details").is_none());
    assert!(Obj::from_value(&json!([1])).is_none());
}

#[test]
fn status_tokens_are_normalised() {
    let cases = [
        ("Under Review", "under_review"),
        ("under+review", "under_review"),
        ("document required", "document_required"),
        ("document_required", "document_required"),
        ("Approved", "approved"),
        ("  STATUS_ENABLED ", "status_enabled"),
        ("under -+ review", "under_review"),
        ("+warning_", "warning"),
    ];
    for (raw, want) in cases {
        assert_eq!(normalize_token(raw), want, "{raw:?}");
    }
}
