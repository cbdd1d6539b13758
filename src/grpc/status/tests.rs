//! The whole mapping table of `grpc/status/`, one row per upstream outcome.
use std::time::Duration;

use tonic::Code;
use tonic_types::StatusExt;

use super::*;
use crate::upstream::atelio_error::AtelioError;

fn rejected(status: u16, code: Option<&str>) -> GatewayError {
    GatewayError::Upstream(UpstreamError::Rejected {
        status,
        error: Box::new(AtelioError {
            code: code.map(str::to_string),
            error_type: Some("Request Error".into()),
            message: Some("boom".into()),
            ..AtelioError::default()
        }),
        retry_after: None,
    })
}

fn info(s: &Status) -> (String, String, HashMap<String, String>) {
    let d = s.get_error_details();
    let i = d.error_info().expect("every status carries ErrorInfo");
    (i.reason.clone(), i.domain.clone(), i.metadata.clone())
}

#[test]
fn every_http_status_maps_to_its_grpc_code() {
    let table = [
        (400, Code::InvalidArgument),
        (401, Code::Internal),
        (403, Code::Internal),
        (404, Code::NotFound),
        (409, Code::FailedPrecondition),
        (424, Code::FailedPrecondition),
        (429, Code::ResourceExhausted),
        (500, Code::Internal),
        (502, Code::Unavailable),
        (503, Code::Unavailable),
        (504, Code::DeadlineExceeded),
        (418, Code::FailedPrecondition),
        (599, Code::Internal),
    ];
    for (http, code) in table {
        let s = to_status(rejected(http, Some("some_code")));
        assert_eq!(s.code(), code, "HTTP {http}");
        let (_, domain, meta) = info(&s);
        assert_eq!(domain, ATELIO_DOMAIN);
        assert_eq!(meta["http_status"], http.to_string());
        assert_eq!(meta["atelio_type"], "Request Error");
    }
}

#[test]
fn atelio_code_becomes_the_reason_and_metadata() {
    let s = to_status(rejected(404, Some("customer_dne")));
    let (reason, _, meta) = info(&s);
    assert_eq!(reason, "CUSTOMER_DNE");
    assert_eq!(meta["atelio_code"], "customer_dne");
}

#[test]
fn rejected_credentials_are_the_gateways_fault_not_the_callers() {
    for http in [401, 403] {
        let s = to_status(rejected(http, Some("auth_err")));
        assert_eq!(s.code(), Code::Internal);
        assert_eq!(info(&s).0, "UPSTREAM_CREDENTIALS_REJECTED");
    }
}

#[test]
fn a_duplicate_person_conflict_is_already_exists() {
    assert_eq!(
        to_status(rejected(409, Some("person_id_dup"))).code(),
        Code::AlreadyExists
    );
    assert_eq!(
        to_status(rejected(409, None)).code(),
        Code::FailedPrecondition
    );
}

#[test]
fn retryable_statuses_carry_retry_info_honouring_retry_after() {
    let e = GatewayError::Upstream(UpstreamError::Rejected {
        status: 429,
        error: Box::default(),
        retry_after: Some(Duration::from_secs(7)),
    });
    let s = to_status(e);
    let retry = s
        .get_error_details()
        .retry_info()
        .cloned()
        .expect("retry info");
    assert_eq!(retry.retry_delay, Some(Duration::from_secs(7)));
    assert!(
        to_status(rejected(503, None))
            .get_error_details()
            .retry_info()
            .is_some()
    );
    assert!(
        to_status(rejected(400, None))
            .get_error_details()
            .retry_info()
            .is_none()
    );
    assert_eq!(info(&to_status(rejected(503, None))).0, "ATELIO_HTTP_503");
}

#[test]
fn field_problems_from_a_400_body_become_bad_request_violations() {
    let e = GatewayError::Upstream(UpstreamError::Rejected {
        status: 400,
        error: Box::new(AtelioError {
            field_violations: vec![(
                "last_name".into(),
                "Missing data for required field.".into(),
            )],
            ..AtelioError::default()
        }),
        retry_after: None,
    });
    let s = to_status(e);
    let br = s
        .get_error_details()
        .bad_request()
        .cloned()
        .expect("bad request");
    assert_eq!(br.field_violations[0].field, "last_name");
}

#[test]
fn transport_failures_map_to_unavailable_or_deadline() {
    let cases = [
        (
            UpstreamError::Connect,
            Code::Unavailable,
            "UPSTREAM_UNREACHABLE",
        ),
        (
            UpstreamError::Transport,
            Code::Unavailable,
            "UPSTREAM_CONNECTION_FAILED",
        ),
        (
            UpstreamError::Timeout,
            Code::DeadlineExceeded,
            "UPSTREAM_TIMEOUT",
        ),
        (
            UpstreamError::DeadlineExceeded,
            Code::DeadlineExceeded,
            "DEADLINE_EXCEEDED",
        ),
        (
            UpstreamError::Decode("x".into()),
            Code::Internal,
            "UPSTREAM_BAD_RESPONSE",
        ),
    ];
    for (e, code, reason) in cases {
        let s = to_status(GatewayError::Upstream(e));
        assert_eq!(s.code(), code);
        let (r, domain, _) = info(&s);
        assert_eq!((r.as_str(), domain.as_str()), (reason, GATEWAY_DOMAIN));
    }
}

#[test]
fn validation_failures_list_every_field() {
    let mut v = Violations::new();
    v.add("customer.first_name", "is required");
    v.add("customer.dob", "must be a date YYYY-MM-DD");
    let s = to_status(GatewayError::Invalid(v));
    assert_eq!(s.code(), Code::InvalidArgument);
    let br = s.get_error_details().bad_request().cloned().unwrap();
    assert_eq!(br.field_violations.len(), 2);
    assert_eq!(info(&s).0, "INVALID_REQUEST");
}
