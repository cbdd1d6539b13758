//! The emulator's further trigger values ([I], docs/sandbox.md): SSN 555-55-5555 ends the KYC in
//! an error and 666-66-6666 in a vendor timeout (a new start is accepted after either); requested
//! documents not uploaded within `document_expiry` end it in a timeout; EIN 33-3333333 gives a
//! KYB warning and 44-4444444 a KYB error. Through the gateway, `KYC_TIMEOUT` says whether a
//! document request preceded it and the request carries its expiry.
use std::time::Duration;

use atelio_gateway::proto::v1 as pb;
use atelio_gateway::sandbox::SandboxConfig;
use pb::customer_service_client::CustomerServiceClient;
use pb::subscribe_verification_events_request::Start;
use pb::verification_event_service_client::VerificationEventServiceClient;
use serde_json::json;

use super::api::{create, start_kyc, subscribed, verified};
use super::kyc::{gateway_customer, kyc_start};
use crate::helpers::emulator::{self, Emulator, PROGRAM, next};
use crate::helpers::fixtures;

fn expiring() -> SandboxConfig {
    SandboxConfig {
        document_expiry: Duration::from_millis(300),
        ..emulator::config()
    }
}

async fn status(emu: &Emulator, id: &str) -> String {
    let path = format!("/customers/{id}/verification-kyc?program_id={PROGRAM}");
    let (_, body) = emu.call("GET", &path, None).await;
    body["kyc_status"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn an_error_and_a_vendor_timeout_end_the_attempt_and_a_new_start_is_accepted() {
    let emu = Emulator::start(emulator::config()).await;
    let (secret, mut rx) = subscribed(&emu, &[]).await;
    for (ssn, ended) in [("555-55-5555", "error"), ("666-66-6666", "timeout")] {
        let id = create(&emu, ssn).await;
        assert_eq!(start_kyc(&emu, &id).await.0, 201);
        let hook = verified(&secret, &next(&mut rx).await);
        assert_eq!(hook["event"], format!("kyc.verification.{ended}"));
        assert_eq!(hook["customer_id"], id.as_str());
        assert_eq!(status(&emu, &id).await, ended);
        assert_eq!(
            start_kyc(&emu, &id).await.0,
            201,
            "a new start after {ended}"
        );
        let again = verified(&secret, &next(&mut rx).await);
        assert_eq!(again["event"], format!("kyc.verification.{ended}"));
    }
}

#[tokio::test]
async fn requested_documents_not_uploaded_in_time_end_in_a_timeout() {
    let emu = Emulator::start(expiring()).await;
    let (secret, mut rx) = subscribed(&emu, &[]).await;
    let id = create(&emu, "333-33-3333").await;
    start_kyc(&emu, &id).await;
    let asked = verified(&secret, &next(&mut rx).await);
    assert_eq!(asked["event"], "kyc.verification.document_required");
    let timed_out = verified(&secret, &next(&mut rx).await);
    assert_eq!(timed_out["event"], "kyc.verification.timeout");
    assert_eq!(status(&emu, &id).await, "timeout");
}

#[tokio::test]
async fn the_kyb_trigger_eins_give_a_warning_and_an_error() {
    let emu = Emulator::start(emulator::config()).await;
    let (secret, mut rx) = subscribed(&emu, &[]).await;
    for (ein, ended) in [("33-3333333", "warning"), ("44-4444444", "error")] {
        let body = json!({ "ein": ein, "legal_business_name": "Acme Robotics", "industry_type": "Technology",
                           "phone": "+14157485052", "addresses": [{ "address_type": "PHYSICAL", "street": "1 Main St",
                           "city": "Austin", "state": "TX", "zip_code": "73301", "country": "US", "is_primary": true }] });
        let (code, b) = emu.call("POST", "/businesses", Some(body)).await;
        assert_eq!(code, 201, "{b}");
        let id = b["business_id"].as_str().expect("id").to_string();
        let path = format!("/businesses/{id}/verification-kyb");
        let (code, _) = emu
            .call("POST", &path, Some(json!({ "program_id": PROGRAM })))
            .await;
        assert_eq!(code, 201);
        assert_eq!(
            verified(&secret, &next(&mut rx).await)["event"],
            "kyb.verification.initiated"
        );
        let done = verified(&secret, &next(&mut rx).await);
        assert_eq!(done["event"], format!("kyb.verification.{ended}"));
        let (_, status) = emu.call("GET", &path, None).await;
        assert_eq!(status["kyb_status"], ended);
    }
}

async fn timeout_through_the_gateway(ssn: &str) -> (Vec<pb::VerificationEvent>, String) {
    let app = super::e2e::start_with(expiring()).await;
    let req = pb::SubscribeVerificationEventsRequest {
        filter: None,
        start: Some(Start::FromNow(true)),
    };
    let mut events = VerificationEventServiceClient::new(app.channel.clone())
        .subscribe_verification_events(req)
        .await
        .expect("subscribe")
        .into_inner();
    let mut customers = CustomerServiceClient::new(app.channel.clone());
    let customer = pb::Customer {
        ssn: ssn.into(),
        ..fixtures::customer()
    };
    let id = gateway_customer(&mut customers, customer, "c-1").await;
    customers
        .start_customer_kyc(kyc_start(&id, "k-1"))
        .await
        .expect("start");
    let mut seen = Vec::new();
    loop {
        let e = super::e2e::next_event(&mut events).await;
        let last = e.kind() == pb::VerificationEventKind::KycTimeout;
        seen.push(e);
        if last {
            return (seen, id);
        }
    }
}

#[tokio::test]
async fn through_the_gateway_a_timeout_says_whether_documents_were_requested_first() {
    let (seen, _) = timeout_through_the_gateway("333-33-3333").await;
    let kinds: Vec<_> = seen.iter().map(|e| e.kind()).collect();
    assert_eq!(
        kinds,
        [
            pb::VerificationEventKind::KycDocumentRequired,
            pb::VerificationEventKind::KycTimeout
        ]
    );
    assert!(
        seen[0].documents[0].expire_time.is_some(),
        "a request carries its expiry"
    );
    assert!(seen[1].document_request_preceded, "a document expiry");
    let (seen, _) = timeout_through_the_gateway("666-66-6666").await;
    assert_eq!(seen.len(), 1);
    assert!(!seen[0].document_request_preceded, "a vendor timeout");
}

#[tokio::test]
async fn reenter_information_comes_with_a_document_request_and_an_update_allows_a_new_start() {
    let emu = Emulator::start(emulator::config()).await;
    let (secret, mut rx) = subscribed(&emu, &[]).await;
    let id = create(&emu, "777-77-7777").await;
    assert_eq!(start_kyc(&emu, &id).await.0, 201);
    let first = verified(&secret, &next(&mut rx).await);
    assert_eq!(first["event"], "kyc.verification.reenter_information");
    assert!(first["fields"].as_array().is_some_and(|f| !f.is_empty()));
    let docs = verified(&secret, &next(&mut rx).await);
    assert_eq!(docs["event"], "kyc.verification.document_required");
    assert_eq!(
        start_kyc(&emu, &id).await.0,
        409,
        "not before the information is updated"
    );
    let fix = json!({ "ssn": "123-45-6789" });
    assert_eq!(
        emu.call("PATCH", &format!("/customers/{id}"), Some(fix))
            .await
            .0,
        200
    );
    assert_eq!(start_kyc(&emu, &id).await.0, 201, "re-entered: a new start");
    let done = verified(&secret, &next(&mut rx).await);
    assert_eq!(done["event"], "kyc.verification.success");
}

#[tokio::test]
async fn a_po_box_address_fails_with_its_error_code() {
    let emu = Emulator::start(emulator::config()).await;
    let (secret, mut rx) = subscribed(&emu, &[]).await;
    let mut body = super::api::new_customer("123-45-6789");
    body["addresses"][0]["street"] = json!("P.O. Box 123");
    let (code, c) = emu.call("POST", "/customers/", Some(body)).await;
    assert_eq!(code, 201, "{c}");
    let id = c["customer_id"].as_str().expect("id").to_string();
    start_kyc(&emu, &id).await;
    let failed = verified(&secret, &next(&mut rx).await);
    assert_eq!(
        (failed["event"].as_str(), failed["error_code"].as_str()),
        (Some("kyc.verification.failure"), Some("po_box_failure"))
    );
    assert_eq!(status(&emu, &id).await, "failed");
}
