//! `parse_body` and `parse_python_repr` on the documented syntax drift (§6 items 34–37).
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
fn strict_json_is_parsed_as_is() {
    let v = parsed(
        r#"{"customer_id": "931e2341-c3eb-4681-97d4-f6e09d90da14", "kyc_status": "submitted"}"#,
    );
    assert_eq!(v["kyc_status"], "submitted");
}

#[test]
fn trailing_commas_are_tolerated() {
    let v = parsed(
        r#"{"business_id": "96df8579-5d05-4e3e-a5e3-e61e3a5bdb38", "kyb_status": "approved",}"#,
    );
    assert_eq!(v["kyb_status"], "approved");
}

#[test]
fn single_quoted_python_style_bodies_are_parsed() {
    let v = parsed(
        r#"{
     'Message': "{'last_name': ['Missing data for required field.']}",
      'Status': 400,
      'Code': 'create_beneficial_owner_schema',
      'Type': 'Request Error'
}"#,
    );
    assert_eq!(v["Status"], 400);
    assert_eq!(v["Code"], "create_beneficial_owner_schema");
}

#[test]
fn markdown_escapes_at_line_ends_are_removed() {
    let v = parsed(BO_WITH_ESCAPES);
    assert_eq!(v["address"][0]["street"], "345 California St.");
    assert_eq!(v["address"][0]["is_primary"], true);
}

#[test]
fn backslashes_inside_strings_are_kept() {
    let v = parsed("{\"a\": \"x\\\\y\",\\\n \"b\": \"q\\\"r\",\\\n}");
    assert_eq!(v["a"], "x\\y");
    assert_eq!(v["b"], "q\"r");
}

#[test]
fn a_byte_order_mark_is_skipped() {
    assert_eq!(parsed("\u{feff}[1, 2]"), json!([1, 2]));
}

#[test]
fn a_plain_text_body_is_an_error_that_does_not_echo_it() {
    let err = parse_body(b"Customer resource deleted for SSN 123-45-6789").expect_err("text");
    assert!(!err.contains("123-45-6789"), "{err}");
    assert!(!err.contains("Customer"), "{err}");
    assert!(err.contains("line 1"), "{err}");
}

#[test]
fn a_broken_json_body_is_an_error_that_does_not_echo_it() {
    let err = parse_body(br#"{"ssn": "123-45-6789", "dob": 1997-12-25"}"#).expect_err("broken");
    assert!(!err.contains("6789") && !err.contains("1997"), "{err}");
}

#[test]
fn empty_and_non_utf8_bodies_are_errors() {
    assert_eq!(parse_body(b"  \n").expect_err("empty"), "body is empty");
    assert!(
        parse_body(b"\xff\xfe{}")
            .expect_err("bytes")
            .contains("UTF-8")
    );
}

#[test]
fn python_reprs_with_none_true_false_and_index_keys_are_parsed() {
    let v = parse_python_repr("{'a': None, 'b': True, 'c': False, 'd': {0: ['x']}, 'e': 'None'}");
    let want = json!({"a": null, "b": true, "c": false, "d": {"0": ["x"]}, "e": "None"});
    assert_eq!(v, Some(want));
}
