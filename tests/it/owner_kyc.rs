//! BeneficialOwnerService KYC: US and foreign requirements, status on the owner path.
use atelio_gateway::proto::v1 as pb;
use serde_json::json;

use crate::helpers::{fixtures::*, *};

fn owner_path() -> String {
    format!("/businesses/{BUSINESS_ID}/beneficial_owners/{OWNER_ID}")
}

#[tokio::test]
async fn us_owner_kyc_sends_every_required_field() {
    let app = spawn_app().await;
    let path = format!("{}/verification-kyc", owner_path());
    app.upstream.on(
        "POST",
        &path,
        vec![Reply::json(
            201,
            json!({ "beneficial_owner_id": OWNER_ID, "kyc_status": "initialized" }),
        )],
    );
    let req = pb::StartBeneficialOwnerKycRequest {
        business_id: BUSINESS_ID.into(),
        beneficial_owner_id: OWNER_ID.into(),
        program_id: PROGRAM_ID.into(),
        ssn: "111-11-1111".into(),
        phone: "555-111-2222".into(),
        email: "ada@acme.example.com".into(),
        ip: "10.0.0.1".into(),
        request_id: "bo-kyc".into(),
        ..Default::default()
    };
    let got = app
        .owners()
        .start_beneficial_owner_kyc(req)
        .await
        .unwrap()
        .into_inner();
    let sent = only_request(&app);
    assert_eq!(
        sent.json(),
        json!({ "program_id": PROGRAM_ID, "ssn": "111-11-1111", "phone": "555-111-2222", "email": "ada@acme.example.com", "ip": "10.0.0.1" })
    );
    assert!(sent.header("idempotency-key").is_some());
    assert_eq!(got.kyc_status, pb::KycStatus::Initialized as i32);
}

#[tokio::test]
async fn foreign_owner_kyc_may_omit_contact_fields() {
    let app = spawn_app().await;
    app.upstream.on_prefix(
        "POST",
        "/businesses/",
        vec![Reply::json(
            201,
            json!({ "beneficial_owner_id": OWNER_ID, "kyc_status": "initialized" }),
        )],
    );
    let req = pb::StartBeneficialOwnerKycRequest {
        business_id: BUSINESS_ID.into(),
        beneficial_owner_id: OWNER_ID.into(),
        program_id: PROGRAM_ID.into(),
        residency: pb::Residency::Foreign as i32,
        kyc_retry_request: true,
        ..Default::default()
    };
    app.owners().start_beneficial_owner_kyc(req).await.unwrap();
    assert_eq!(
        only_request(&app).json(),
        json!({ "program_id": PROGRAM_ID, "kyc_retry_request": true })
    );
}

#[tokio::test]
async fn owner_kyc_status_uses_the_owner_path_and_accepts_customer_id_as_subject() {
    let app = spawn_app().await;
    let body = json!({ "customer_id": OWNER_ID, "kyc_status": "under_review" });
    app.upstream.on(
        "GET",
        &format!("{}/verification-kyc", owner_path()),
        vec![Reply::json(200, body)],
    );
    let req = pb::GetBeneficialOwnerKycStatusRequest {
        business_id: BUSINESS_ID.into(),
        beneficial_owner_id: OWNER_ID.into(),
        program_id: PROGRAM_ID.into(),
        max_staleness: None,
    };
    let v = app
        .owners()
        .get_beneficial_owner_kyc_status(req)
        .await
        .unwrap()
        .into_inner()
        .verification
        .unwrap();
    assert_eq!(
        (v.subject_id.as_str(), v.kyc_status),
        (OWNER_ID, pb::KycStatus::UnderReview as i32)
    );
    assert_eq!(
        only_request(&app).query_pairs(),
        vec![("program_id".to_string(), PROGRAM_ID.to_string())]
    );
}
