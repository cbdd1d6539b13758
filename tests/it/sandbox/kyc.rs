//! The emulator's KYC conformance over HTTP: the state machine, each trigger SSN, document
//! upload, simulate, and signed webhooks checked with the test's own HMAC, with retries.
use serde_json::{Value, json};

use super::api::{create, start_kyc, subscribed, verified};
use crate::helpers::emulator::{self, Emulator, PROGRAM, next};

#[tokio::test]
async fn the_default_ssn_passes_and_a_second_start_is_refused() {
    let emu = Emulator::start(emulator::config()).await;
    let (secret, mut rx) = subscribed(&emu, &[]).await;
    let id = create(&emu, "123-45-6789").await;
    let (status, body) = start_kyc(&emu, &id).await;
    assert_eq!(
        (status, body["kyc_status"].as_str()),
        (201, Some("submitted"))
    );
    let (status, body) = start_kyc(&emu, &id).await;
    assert_eq!(
        (status, body["Code"].as_str()),
        (409, Some("kyc_init_fail"))
    );
    let event = verified(&secret, &next(&mut rx).await);
    assert_eq!(event["event"], "kyc.verification.success");
    assert_eq!(event["customer_id"], id.as_str());
    let (_, status) = emu
        .call(
            "GET",
            &format!("/customers/{id}/verification-kyc?program_id={PROGRAM}"),
            None,
        )
        .await;
    assert_eq!(status["kyc_status"], "passed");
    assert_eq!(status["results"]["ofac"], "passed");
    assert_eq!(status["health"]["overall"], "SERVICE_GOOD");
    let (code, again) = start_kyc(&emu, &id).await;
    assert_eq!(
        (code, again["Code"].as_str()),
        (400, Some("kyc_reinit_fail"))
    );
    let (code, err) = emu
        .call(
            "PATCH",
            &format!("/customers/{id}"),
            Some(json!({ "last_name": "Jones" })),
        )
        .await;
    assert_eq!((code, err["Code"].as_str()), (400, Some("kyc_customer")));
    let (code, _) = emu
        .call(
            "PATCH",
            &format!("/customers/{id}"),
            Some(json!({ "email": "n@example.org" })),
        )
        .await;
    assert_eq!(code, 200, "contact fields may change after a pass");
}

#[tokio::test]
async fn each_trigger_ssn_requests_its_documents() {
    let emu = Emulator::start(emulator::config()).await;
    let (secret, mut rx) = subscribed(&emu, &[]).await;
    let cases = [
        ("111-11-1111", vec!["social_security_card", "government_id"]),
        ("222-22-2222", vec!["government_id", "proof_of_address"]),
        ("333-33-3333", vec!["government_id"]),
        (
            "444-44-4444",
            vec!["social_security_card", "government_id", "proof_of_address"],
        ),
    ];
    for (ssn, docs) in cases {
        let id = create(&emu, ssn).await;
        assert_eq!(start_kyc(&emu, &id).await.0, 201);
        let event = verified(&secret, &next(&mut rx).await);
        assert_eq!(
            event["event"], "kyc.verification.document_required",
            "{ssn}"
        );
        let got: Vec<&str> = event["documents"]
            .as_array()
            .expect("documents")
            .iter()
            .map(|d| d["document_type"].as_str().expect("type"))
            .collect();
        assert_eq!(got, docs, "{ssn}");
        assert!(
            event["documents"][0]["upload_link"]
                .as_str()
                .is_some_and(|l| l.starts_with("https://"))
        );
        assert!(
            event["inquiry_id"]
                .as_str()
                .is_some_and(|i| i.starts_with("inq_"))
        );
    }
}

#[tokio::test]
async fn uploading_the_documents_moves_to_under_review_then_passes() {
    let emu = Emulator::start(emulator::config()).await;
    let (secret, mut rx) = subscribed(&emu, &[]).await;
    let id = create(&emu, "333-33-3333").await;
    start_kyc(&emu, &id).await;
    assert_eq!(
        verified(&secret, &next(&mut rx).await)["event"],
        "kyc.verification.document_required"
    );
    let path = format!("/customers/{id}/verification-kyc/documents");
    let (code, err) = emu.call("POST", &path, Some(json!({ "proof_of_address": { "type": "utility_bill", "file_name": "b.pdf", "image": "AAAA" } }))).await;
    assert_eq!(
        (code, err["Code"].as_str()),
        (400, Some("kyc_error")),
        "not requested"
    );
    let doc = json!({ "government_id": { "type": "passport", "country": "US", "front_image": { "file_name": "p.jpg", "image": "AAAA" } } });
    let (code, body) = emu.call("POST", &path, Some(doc)).await;
    assert_eq!(
        (code, body["num_documents_submitted"].as_u64()),
        (200, Some(1))
    );
    assert_eq!(
        verified(&secret, &next(&mut rx).await)["event"],
        "kyc.verification.under_review"
    );
    assert_eq!(
        verified(&secret, &next(&mut rx).await)["event"],
        "kyc.verification.success"
    );
}

#[tokio::test]
async fn manual_review_ends_with_a_simulated_failure() {
    let emu = Emulator::start(emulator::config()).await;
    let (secret, mut rx) = subscribed(&emu, &[]).await;
    let id = create(&emu, "000-00-0000").await;
    start_kyc(&emu, &id).await;
    assert_eq!(
        verified(&secret, &next(&mut rx).await)["event"],
        "kyc.verification.under_review"
    );
    let (code, body) = emu
        .call(
            "POST",
            "/simulate/kyc-fail",
            Some(json!({ "customer_id": id, "program_id": PROGRAM })),
        )
        .await;
    assert_eq!((code, body["kyc_status"].as_str()), (200, Some("failed")));
    let event = verified(&secret, &next(&mut rx).await);
    assert_eq!(event["event"], "kyc.verification.failure");
    assert_eq!(event["reasons"]["bureau"], "failed");
}

#[tokio::test]
async fn a_refused_webhook_is_retried_until_accepted() {
    let emu = Emulator::start(emulator::config()).await;
    let (secret, mut rx) = subscribed(&emu, &[500, 503]).await;
    let id = create(&emu, "123-45-6789").await;
    start_kyc(&emu, &id).await;
    let bodies: Vec<Value> = [
        next(&mut rx).await,
        next(&mut rx).await,
        next(&mut rx).await,
    ]
    .iter()
    .map(|d| verified(&secret, d))
    .collect();
    assert!(
        bodies.iter().all(|b| *b == bodies[0]),
        "the same event each time"
    );
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(300), rx.recv())
            .await
            .is_err(),
        "no delivery after a 200"
    );
}

#[tokio::test]
async fn through_the_gateway_a_start_after_a_pass_is_a_failed_precondition_with_the_pass_time() {
    use atelio_gateway::proto::v1 as pb;
    use tonic_types::StatusExt;
    let app = super::e2e::start().await;
    let mut c = pb::customer_service_client::CustomerServiceClient::new(app.channel.clone());
    let id = gateway_customer(&mut c, crate::helpers::fixtures::customer(), "rp-0").await;
    let start = |rid: &str| kyc_start(&id, rid);
    c.start_customer_kyc(start("rp-1"))
        .await
        .expect("first start");
    let passed = pb::KycStatus::Passed as i32;
    for _ in 0..100 {
        let s = c
            .get_customer_kyc_status(pb::GetCustomerKycStatusRequest {
                customer_id: id.clone(),
                program_id: PROGRAM.into(),
                max_staleness: None,
            })
            .await
            .expect("status")
            .into_inner();
        if s.verification.is_some_and(|v| v.kyc_status == passed) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let err = c
        .start_customer_kyc(start("rp-2"))
        .await
        .expect_err("already passed");
    assert_eq!(err.code(), tonic::Code::FailedPrecondition, "{err:?}");
    let info = err
        .get_error_details()
        .error_info()
        .cloned()
        .expect("ErrorInfo");
    assert_eq!(info.reason, "KYC_REINIT_FAIL");
    let at = info
        .metadata
        .get("passed_at")
        .expect("the earlier pass time");
    assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
}

#[tokio::test]
async fn through_the_gateway_a_second_start_while_one_runs_reads_the_running_one() {
    use atelio_gateway::proto::v1 as pb;
    let app = super::e2e::start().await;
    let mut c = pb::customer_service_client::CustomerServiceClient::new(app.channel.clone());
    let customer = pb::Customer {
        ssn: "333-33-3333".into(),
        ..crate::helpers::fixtures::customer()
    };
    let id = gateway_customer(&mut c, customer, "ri-0").await;
    let start = |rid: &str| kyc_start(&id, rid);
    c.start_customer_kyc(start("ri-1"))
        .await
        .expect("first start");
    let again = c
        .start_customer_kyc(start("ri-2"))
        .await
        .expect("409 kyc_init_fail is reconciled by reading the status")
        .into_inner();
    assert_eq!(again.customer_id, id);
    assert_ne!(again.kyc_status, pb::KycStatus::Unspecified as i32);
}

/// Creates `customer` through the gateway; its id.
pub(crate) async fn gateway_customer(
    c: &mut atelio_gateway::proto::v1::customer_service_client::CustomerServiceClient<
        tonic::transport::Channel,
    >,
    customer: atelio_gateway::proto::v1::Customer,
    request_id: &str,
) -> String {
    let req = atelio_gateway::proto::v1::CreateCustomerRequest {
        customer: Some(customer),
        request_id: request_id.into(),
    };
    let created = c.create_customer(req).await.expect("customer").into_inner();
    created.customer.expect("customer").customer_id
}

/// A StartCustomerKyc of `id` in the emulator's program.
pub(crate) fn kyc_start(
    id: &str,
    request_id: &str,
) -> atelio_gateway::proto::v1::StartCustomerKycRequest {
    atelio_gateway::proto::v1::StartCustomerKycRequest {
        customer_id: id.into(),
        program_id: PROGRAM.into(),
        request_id: request_id.into(),
        ..Default::default()
    }
}
