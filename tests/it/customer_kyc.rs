//! CustomerService KYC: start, status (results/health/info/documents) and document upload.
use atelio_gateway::proto::v1 as pb;
use serde_json::json;

use crate::helpers::{fixtures::*, *};

const SVC: &str = "atelio.gateway.v1.CustomerService/";

#[tokio::test]
async fn start_customer_kyc_posts_program_and_contact_fields() {
    let app = spawn_app().await;
    let path = format!("/customers/{CUSTOMER_ID}/verification-kyc");
    app.upstream.on(
        "POST",
        &path,
        vec![Reply::json(
            201,
            json!({ "customer_id": CUSTOMER_ID, "kyc_status": "submitted" }),
        )],
    );
    let req = pb::StartCustomerKycRequest {
        customer_id: CUSTOMER_ID.into(),
        program_id: PROGRAM_ID.into(),
        ssn: "123456789".into(),
        ip: "192.168.1.139".into(),
        request_id: "kyc-1".into(),
        ..Default::default()
    };
    let got = app
        .customers()
        .start_customer_kyc(req)
        .await
        .unwrap()
        .into_inner();
    let sent = only_request(&app);
    assert_eq!(
        sent.json(),
        json!({ "program_id": PROGRAM_ID, "ssn": "123456789", "ip": "192.168.1.139" })
    );
    assert_eq!(
        sent.header("idempotency-key"),
        Some(expected_key(&format!("{SVC}StartCustomerKyc"), "kyc-1"))
    );
    assert_eq!(
        (got.kyc_status, got.kyc_status_raw.as_str()),
        (pb::KycStatus::Submitted as i32, "submitted")
    );
}

#[tokio::test]
async fn start_customer_kyc_falls_back_to_the_configured_default_program() {
    let app = spawn_app_with(|c| c.upstream.default_program_id = Some(PROGRAM_ID.into())).await;
    app.upstream.on_prefix(
        "POST",
        "/customers/",
        vec![Reply::json(201, json!({ "kyc_status": "submitted" }))],
    );
    let req = pb::StartCustomerKycRequest {
        customer_id: CUSTOMER_ID.into(),
        ..Default::default()
    };
    let got = app
        .customers()
        .start_customer_kyc(req)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        only_request(&app).json(),
        json!({ "program_id": PROGRAM_ID })
    );
    assert_eq!(
        got.customer_id, CUSTOMER_ID,
        "the id is filled in when Atelio omits it"
    );
}

#[tokio::test]
async fn kyc_status_maps_results_health_info_and_documents() {
    let app = spawn_app().await;
    let body = json!({
        "customer_id": CUSTOMER_ID, "brand_id": "b-1", "kyc_status": "document required",
        "results": { "ofac": "passed", "bureau": "failed" },
        "health": { "overall": "SERVICE_GOOD" },
        "info": { "ofac": { "name_matched": false }, "phone": { "first_name_match": 97 } },
        "documents": [{ "document_type": "government_id", "upload_link": "https://withpersona.com/verify?inquiry-id=inq_1", "status": "required" }]
    });
    app.upstream.on(
        "GET",
        &format!("/customers/{CUSTOMER_ID}/verification-kyc"),
        vec![Reply::json(200, body)],
    );
    let req = pb::GetCustomerKycStatusRequest {
        customer_id: CUSTOMER_ID.into(),
        program_id: PROGRAM_ID.into(),
        max_staleness: None,
    };
    let v = app
        .customers()
        .get_customer_kyc_status(req)
        .await
        .unwrap()
        .into_inner()
        .verification
        .unwrap();
    assert_eq!(
        only_request(&app).query_pairs(),
        vec![("program_id".to_string(), PROGRAM_ID.to_string())]
    );
    assert_eq!(
        (v.kyc_status, v.kyc_status_raw.as_str()),
        (pb::KycStatus::DocumentRequired as i32, "document required")
    );
    assert_eq!(
        (
            v.subject_id.as_str(),
            v.results["bureau"].as_str(),
            v.health["overall"].as_str()
        ),
        (CUSTOMER_ID, "failed", "SERVICE_GOOD")
    );
    assert!(v.info.unwrap().fields.contains_key("phone"));
    assert_eq!(v.documents[0].document_type, "government_id");
}

#[tokio::test]
async fn an_unknown_kyc_status_is_kept_raw() {
    let app = spawn_app().await;
    app.upstream.on_prefix(
        "GET",
        "/customers/",
        vec![Reply::json(200, json!({ "kyc_status": "pending_vendor" }))],
    );
    let req = pb::GetCustomerKycStatusRequest {
        customer_id: CUSTOMER_ID.into(),
        program_id: PROGRAM_ID.into(),
        max_staleness: None,
    };
    let v = app
        .customers()
        .get_customer_kyc_status(req)
        .await
        .unwrap()
        .into_inner()
        .verification
        .unwrap();
    assert_eq!(
        (v.kyc_status, v.kyc_status_raw.as_str()),
        (0, "pending_vendor")
    );
}

#[tokio::test]
async fn submit_documents_sends_base64_images_in_the_documented_keys() {
    let app = spawn_app().await;
    let path = format!("/customers/{CUSTOMER_ID}/verification-kyc/documents");
    app.upstream.on(
        "POST",
        &path,
        vec![Reply::json(
            200,
            json!({ "customer_id": CUSTOMER_ID, "num_documents_submitted": 2 }),
        )],
    );
    let img = |name: &str, bytes: &[u8]| pb::DocumentImage {
        file_name: name.into(),
        image: bytes.to_vec(),
    };
    let req = pb::SubmitCustomerKycDocumentsRequest {
        customer_id: CUSTOMER_ID.into(),
        government_id: Some(pb::GovernmentIdDocument {
            r#type: pb::GovernmentIdType::PassportCard as i32,
            country: "US".into(),
            front_image: Some(img("front.jpg", b"abc")),
            back_image: Some(img("back.png", b"de")),
        }),
        proof_of_address: Some(pb::ProofOfAddressDocument {
            r#type: pb::ProofOfAddressType::UtilityBill as i32,
            image: Some(img("bill.pdf", b"xyz")),
        }),
        social_security_card: None,
        request_id: "docs-1".into(),
    };
    let got = app
        .customers()
        .submit_customer_kyc_documents(req)
        .await
        .unwrap()
        .into_inner();
    let sent = only_request(&app);
    assert_eq!(
        sent.json(),
        json!({
            "government_id": { "type": "passport_card", "country": "US",
                "front_image": { "file_name": "front.jpg", "image": "YWJj" }, "back_image": { "file_name": "back.png", "image": "ZGU=" } },
            "proof_of_address": { "type": "utility_bill", "file_name": "bill.pdf", "image": "eHl6" }
        })
    );
    assert!(sent.header("idempotency-key").is_some());
    assert_eq!(got.num_documents_submitted, 2);
}
