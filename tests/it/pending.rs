//! `ListPendingVerifications`: who is stuck and since when. Verifications started through the
//! gateway are listed until a verdict arrives, with their state, start and history; filtered
//! by state and by age, and paged.
use std::time::Duration;

use atelio_gateway::proto::v1 as pb;
use pb::pending_verification::Subject;
use serde_json::json;

use crate::helpers::{fixtures::*, signing::*, *};

async fn start_kyc(app: &TestApp, id: &str) {
    app.upstream.on(
        "POST",
        &format!("/customers/{id}/verification-kyc"),
        vec![Reply::json(
            201,
            json!({ "customer_id": id, "kyc_status": "submitted" }),
        )],
    );
    let req = pb::StartCustomerKycRequest {
        customer_id: id.into(),
        program_id: PROGRAM_ID.into(),
        ..Default::default()
    };
    app.customers()
        .start_customer_kyc(req)
        .await
        .expect("start");
}

async fn list(
    app: &TestApp,
    req: pb::ListPendingVerificationsRequest,
) -> pb::ListPendingVerificationsResponse {
    let got = app.events().list_pending_verifications(req).await;
    got.expect("list").into_inner()
}

fn ids(r: &pb::ListPendingVerificationsResponse) -> Vec<String> {
    let mut out: Vec<String> = r
        .verifications
        .iter()
        .filter_map(|v| match &v.subject {
            Some(Subject::CustomerId(id)) => Some(id.clone()),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn pending_verifications_are_listed_filtered_by_state_and_age_and_paged() {
    let app = spawn_app().await;
    let mut started: Vec<String> = (0..3).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    for id in &started {
        start_kyc(&app, id).await;
    }
    // One gets its verdict: no longer pending.
    let done = started.pop().expect("three");
    let hook = json!({ "event": "kyc.verification.success", "customer_id": done, "occurred_at": "2024-01-01T00:00:00Z" });
    let client = reqwest::Client::new();
    assert_eq!(post_signed(&client, &app.webhook_url, &hook).await.0, 200);
    started.sort();

    let all = list(&app, pb::ListPendingVerificationsRequest::default()).await;
    assert_eq!(ids(&all), started);
    let v = &all.verifications[0];
    assert_eq!(
        (v.kyc_status(), v.program_id.as_str()),
        (pb::KycStatus::Submitted, PROGRAM_ID)
    );
    assert!(v.start_time.is_some() && v.state_time.is_some() && !v.history.is_empty());

    let under_review = pb::ListPendingVerificationsRequest {
        kyc_statuses: vec![pb::KycStatus::UnderReview as i32],
        ..Default::default()
    };
    assert!(list(&app, under_review).await.verifications.is_empty());
    let submitted = pb::ListPendingVerificationsRequest {
        kyc_statuses: vec![pb::KycStatus::Submitted as i32],
        ..Default::default()
    };
    assert_eq!(ids(&list(&app, submitted).await), started);
    let old = pb::ListPendingVerificationsRequest {
        min_age: Some(prost_types::Duration {
            seconds: 3600,
            nanos: 0,
        }),
        ..Default::default()
    };
    assert!(
        list(&app, old).await.verifications.is_empty(),
        "none an hour old"
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    let young = pb::ListPendingVerificationsRequest {
        min_age: Some(prost_types::Duration {
            seconds: 0,
            nanos: 20_000_000,
        }),
        ..Default::default()
    };
    assert_eq!(ids(&list(&app, young).await), started);

    let first = list(
        &app,
        pb::ListPendingVerificationsRequest {
            page_size: 1,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(first.verifications.len(), 1);
    assert!(!first.next_page_token.is_empty());
    let second = list(
        &app,
        pb::ListPendingVerificationsRequest {
            page_size: 1,
            page_token: first.next_page_token.clone(),
            ..Default::default()
        },
    )
    .await;
    let mut paged = ids(&first);
    paged.extend(ids(&second));
    paged.sort();
    assert_eq!(paged, started, "two pages, each once");
    let bad = pb::ListPendingVerificationsRequest {
        page_token: "not a token".into(),
        ..Default::default()
    };
    let err = app
        .events()
        .list_pending_verifications(bad)
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
}
