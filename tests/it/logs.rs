//! No SSN, name, date of birth, email, phone, address, IP or credential from a request appears in
//! the gateway's log output, even at TRACE for every crate, across successes, validation
//! failures and upstream errors.
use atelio_gateway::proto::v1 as pb;
use serde_json::json;
use tonic::transport::Channel;

use crate::helpers::{fixtures::*, process::GatewayProcess, *};

const PII: &[&str] = &[
    "Nick",
    "Aaron",
    "Smith",
    "1990-02-13",
    "123-45-6789",
    "123456789",
    "555-111-2222",
    "nick.smith@goldfinger.com",
    "345 California St",
    "Suite 600",
    "San Francisco",
    "94104",
    "192.168.1.139",
    IDENTITY,
    AUTHORIZATION,
    "front.jpg",
];

async fn exercise(upstream: &FakeUpstream, channel: Channel) {
    upstream.on(
        "POST",
        "/customers/",
        vec![Reply::json(201, customer_json())],
    );
    upstream.on_prefix("POST", "/customers/2", vec![Reply::json(400, json!({ "Message": { "ssn": ["Invalid ssn 123-45-6789"] }, "Code": "create_kyc_schema" }))]);
    let mut c = pb::customer_service_client::CustomerServiceClient::new(channel);
    c.create_customer(pb::CreateCustomerRequest {
        customer: Some(customer()),
        request_id: "r".into(),
    })
    .await
    .unwrap();
    let mut bad = customer();
    bad.email = "nick.smith@goldfinger.com@".into();
    bad.first_name = "Nick1".into();
    c.create_customer(pb::CreateCustomerRequest {
        customer: Some(bad),
        request_id: String::new(),
    })
    .await
    .unwrap_err();
    let kyc = pb::StartCustomerKycRequest {
        customer_id: CUSTOMER_ID.into(),
        program_id: PROGRAM_ID.into(),
        ssn: "123456789".into(),
        ip: "192.168.1.139".into(),
        ..Default::default()
    };
    c.start_customer_kyc(kyc).await.unwrap_err();
    let img = pb::DocumentImage {
        file_name: "front.jpg".into(),
        image: b"secret-image".to_vec(),
    };
    let docs = pb::SubmitCustomerKycDocumentsRequest {
        customer_id: CUSTOMER_ID.into(),
        social_security_card: Some(img),
        ..Default::default()
    };
    c.submit_customer_kyc_documents(docs).await.unwrap_err();
}

#[tokio::test]
async fn no_pii_or_credentials_reach_the_logs_at_trace_level() {
    let upstream = FakeUpstream::start().await;
    let gateway = GatewayProcess::start(
        &upstream.base_url(),
        &[
            ("ATELIO_GATEWAY__IDEMPOTENCY__STORE", "memory".into()),
            ("ATELIO_GATEWAY__EVENTS__STORE", "memory".into()),
            ("ATELIO_GATEWAY__LOG__LEVEL", "trace".into()),
        ],
    );
    let channel = Channel::from_shared(format!("http://{}", gateway.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    exercise(&upstream, channel).await;
    let text = gateway.kill();
    assert!(
        text.contains("rpc finished") && text.contains("upstream call"),
        "the gateway's events must be captured"
    );
    assert!(
        text.contains("invalid_fields"),
        "validation failures are logged by field name"
    );
    assert!(
        text.contains("\"level\":\"TRACE\""),
        "TRACE output of dependencies is included"
    );
    // The clock's own digits (e.g. `…19:43:48.094104Z`) can spell a ZIP code by chance: the
    // search runs over every line with its `timestamp` field removed.
    let without_time: Vec<String> = text.lines().map(without_timestamp).collect();
    for needle in PII {
        let hit = without_time
            .iter()
            .find(|l| l.contains(needle))
            .map(String::as_str);
        assert!(
            hit.is_none(),
            "{needle:?} leaked into the log: {}",
            hit.unwrap_or_default()
        );
    }
}

#[test]
fn debug_output_of_commands_and_requests_redacts_pii() {
    use atelio_gateway::upstream::routes::customer as route;
    let req = pb::CreateCustomerRequest {
        customer: Some(customer()),
        request_id: String::new(),
    };
    let cmd = atelio_gateway::grpc::convert::customer::create(req.customer.as_ref()).unwrap();
    let shown = format!("{cmd:?} {:?}", route::create(&cmd, "k".into()));
    for needle in PII {
        assert!(
            !shown.contains(needle),
            "{needle:?} shown by Debug: {shown}"
        );
    }
}

/// A JSON log line with its `timestamp` field dropped (other lines unchanged).
fn without_timestamp(line: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(line) {
        Ok(serde_json::Value::Object(mut m)) => {
            m.remove("timestamp");
            serde_json::Value::Object(m).to_string()
        }
        _ => line.to_string(),
    }
}
