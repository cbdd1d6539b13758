//! Every error-body shape of docs/reference/atelio-api.md §5.4, with fixtures copied from the documented examples.
use super::*;

fn parse(body: &str) -> AtelioError {
    parse_error_body(body.as_bytes())
}

fn violations(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(f, m)| (f.to_string(), m.to_string()))
        .collect()
}

const MISSING: &str = "Missing data for required field.";

#[test]
fn the_standard_capitalised_body_is_decoded() {
    let err = parse(
        r#"{
    "Message": "A business must have atleast one active address",
    "Status": 400,
    "Code": "business_address_del_err",
    "Type": "Request Error"
}"#,
    );
    let want = AtelioError {
        message: Some("A business must have atleast one active address".into()),
        code: Some("business_address_del_err".into()),
        error_type: Some("Request Error".into()),
        status: Some(400),
        field_violations: vec![],
    };
    assert_eq!(err, want);
}

#[test]
fn a_trailing_comma_in_the_standard_body_is_tolerated() {
    let err = parse(
        r#"{
    "Message": "Service has been disabled. Contact Support",
    "Status": 424,
    "Code": "service_disabled",
    "Type": "Process Error",
 }"#,
    );
    assert_eq!(err.code.as_deref(), Some("service_disabled"));
    assert_eq!(err.error_type.as_deref(), Some("Process Error"));
    assert_eq!(err.status, Some(424));
}

#[test]
fn lower_case_keys_are_decoded_like_capitalised_ones() {
    let err = parse(
        r#"{"message": "Customer does not exist.", "status": 404, "code": "customer_dne", "type": "Request Error"}"#,
    );
    assert_eq!(err.message.as_deref(), Some("Customer does not exist."));
    assert_eq!(err.code.as_deref(), Some("customer_dne"));
    assert_eq!(err.error_type.as_deref(), Some("Request Error"));
    assert_eq!(err.status, Some(404));
}

#[test]
fn a_dict_message_becomes_field_violations_and_a_summary() {
    let err = parse(
        r#"{"Message": {"last_name": ["Missing data for required field."]}, "Status": 400, "Code": "create_customer_schema", "Type": "Request Error"}"#,
    );
    assert_eq!(err.message.as_deref(), Some("validation failed: last_name"));
    assert_eq!(err.field_violations, violations(&[("last_name", MISSING)]));
    assert_eq!(err.code.as_deref(), Some("create_customer_schema"));
}

#[test]
fn a_stringified_python_dict_message_is_parsed() {
    let err = parse(
        r#"{
     'Message': "{'last_name': ['Missing data for required field.']}",
      'Status': 400,
      'Code': 'create_beneficial_owner_schema',
      'Type': 'Request Error'
}"#,
    );
    assert_eq!(err.message.as_deref(), Some("validation failed: last_name"));
    assert_eq!(err.field_violations, violations(&[("last_name", MISSING)]));
    assert_eq!(err.code.as_deref(), Some("create_beneficial_owner_schema"));
    assert_eq!(err.status, Some(400));
}

#[test]
fn the_create_customer_example_with_a_stray_zero_is_salvaged() {
    let err = parse(
        r#"{
       'Message': {'last_name': ['Missing data for required field.']},
       'Status': 400,
       'Code': 'create_customer_schema',0
       'Type': 'Request Error'
}"#,
    );
    assert_eq!(err.field_violations, violations(&[("last_name", MISSING)]));
    assert_eq!(err.code.as_deref(), Some("create_customer_schema"));
    assert_eq!(err.error_type.as_deref(), Some("Request Error"));
    assert_eq!(err.status, Some(400));
}

#[test]
fn nested_maps_give_dotted_paths_sorted_by_path() {
    let err = parse(
        r#"{"Message": {"names": {"first_name": ["Shorter than minimum length 2."]}, "dob": ["Missing data for required field."]}}"#,
    );
    let want = violations(&[
        ("dob", MISSING),
        ("names.first_name", "Shorter than minimum length 2."),
    ]);
    assert_eq!(err.field_violations, want);
    assert_eq!(
        err.message.as_deref(),
        Some("validation failed: dob, names.first_name")
    );
}

#[test]
fn a_bare_top_level_validation_map_is_decoded() {
    let err = parse(
        r#"{"dob": ["Missing data for required field."], "names": {"first_name": ["Missing data for required field."]}}"#,
    );
    let want = violations(&[("dob", MISSING), ("names.first_name", MISSING)]);
    assert_eq!(err.field_violations, want);
    assert_eq!(
        err.message.as_deref(),
        Some("validation failed: dob, names.first_name")
    );
    assert_eq!((err.code, err.status), (None, None));
}

#[test]
fn list_positions_become_bracketed_indexes() {
    let err = parse(
        r#"{"Message": "{'addresses': {0: {'zip_code': ['Invalid zip.'], 'street': ['Too long.', 'Bad character.']}}}"}"#,
    );
    let want = violations(&[
        ("addresses[0].street", "Too long."),
        ("addresses[0].street", "Bad character."),
        ("addresses[0].zip_code", "Invalid zip."),
    ]);
    assert_eq!(err.field_violations, want);
    assert_eq!(
        err.message.as_deref(),
        Some("validation failed: addresses[0].street, addresses[0].zip_code")
    );
}

#[test]
fn the_openapi_error_shape_is_decoded() {
    let err = parse(
        r#"{"error": "Invalid request", "error_code": "input_error", "details": {"email": ["Not a valid email address."]}}"#,
    );
    assert_eq!(err.message.as_deref(), Some("Invalid request"));
    assert_eq!(err.code.as_deref(), Some("input_error"));
    assert_eq!(
        err.field_violations,
        violations(&[("email", "Not a valid email address.")])
    );
}

#[test]
fn details_without_a_message_give_the_summary() {
    let err = parse(
        r#"{"error_code": "input_error", "details": {"email": ["Not a valid email address."]}}"#,
    );
    assert_eq!(err.message.as_deref(), Some("validation failed: email"));
}

#[test]
fn a_capitalised_error_key_is_the_message() {
    let err = parse(r#"{"Error": "Business ID does not exist."}"#);
    assert_eq!(err.message.as_deref(), Some("Business ID does not exist."));
    assert_eq!(err.code, None);
}

#[test]
fn the_url_not_found_message_is_kept() {
    let text = "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.";
    let err = parse(&format!(r#"{{"message": "{text}"}}"#));
    assert_eq!(err.message.as_deref(), Some(text));
}

#[test]
fn the_credit_service_status_is_the_code_and_not_an_http_status() {
    let err = parse(
        r#"{"status":"ERROR_CODE_CREDIT_APPLICATION_GENERIC","code":3001,"message":"Not found.","details":{}}"#,
    );
    let want = AtelioError {
        message: Some("Not found.".into()),
        code: Some("ERROR_CODE_CREDIT_APPLICATION_GENERIC".into()),
        ..AtelioError::default()
    };
    assert_eq!(err, want);
}

#[test]
fn a_numeric_code_alone_becomes_its_decimal_text() {
    let err = parse(r#"{"code": 3001, "message": "Not found."}"#);
    assert_eq!(err.code.as_deref(), Some("3001"));
}

#[test]
fn a_numeric_string_status_is_an_http_status_and_out_of_range_ones_are_dropped() {
    assert_eq!(
        parse(r#"{"Status": "503", "Message": "x"}"#).status,
        Some(503)
    );
    assert_eq!(parse(r#"{"Status": 42, "Message": "x"}"#).status, None);
}

#[test]
fn html_and_plain_text_bodies_give_the_default() {
    for body in [
        "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
        "Customer resource deleted",
        "Status: 500",
        "",
        "{ not json at all }",
    ] {
        assert_eq!(parse(body), AtelioError::default(), "{body:?}");
    }
}

#[test]
fn unknown_json_shapes_give_no_message() {
    for body in ["{}", "[1, 2]", "42", "null", r#"{"unexpected": 1}"#] {
        assert_eq!(parse(body).message, None, "{body:?}");
    }
}

#[test]
fn a_json_string_body_is_the_message() {
    assert_eq!(
        parse(r#""Internal Server Error""#).message.as_deref(),
        Some("Internal Server Error")
    );
}

#[test]
fn an_unparseable_stringified_dict_does_not_echo_its_text() {
    let err = parse(
        r#"{"Message": "{'ssn': 123-45-6789 is bad", "Code": "input_error"}"#
            .replace("bad", "bad}")
            .as_str(),
    );
    assert_eq!(err.message.as_deref(), Some("validation failed"));
    assert!(err.field_violations.is_empty());
}

#[test]
fn very_long_messages_are_cut() {
    let err = parse(&format!(r#"{{"Message": "{}"}}"#, "é".repeat(600)));
    let message = err.message.expect("message");
    assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS + 1);
    assert!(message.ends_with('…'));
}

#[test]
fn a_null_message_falls_through_to_the_error_key() {
    let err = parse(r#"{"message": null, "error": "Unauthorized", "code": "auth_err"}"#);
    assert_eq!(err.message.as_deref(), Some("Unauthorized"));
    assert_eq!(err.code.as_deref(), Some("auth_err"));
}
