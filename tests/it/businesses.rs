//! BusinessService: businesses, business addresses and KYB.
use atelio_gateway::proto::v1 as pb;
use prost_types::FieldMask;
use serde_json::json;

use crate::helpers::{fixtures::*, *};

#[tokio::test]
async fn create_business_posts_nested_addresses_and_owners_and_tolerates_guide_quirks() {
    let app = spawn_app().await;
    app.upstream.on(
        "POST",
        "/businesses",
        vec![Reply::json(201, business_json())],
    );
    let mut b = business();
    b.beneficial_owners = vec![owner()];
    let got = app
        .businesses()
        .create_business(pb::CreateBusinessRequest {
            business: Some(b),
            request_id: "b-1".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .business
        .unwrap();
    let sent = only_request(&app);
    assert_credentials(&sent);
    assert!(sent.header("idempotency-key").is_some());
    assert_eq!(
        sent.json(),
        json!({
            "ein": "12-3456789", "legal_business_name": "Acme Widgets Inc", "industry_type": "Technology",
            "dba_business_name": "Acme", "business_type": "corporation", "date_established": "2020-01-01",
            "phone": "+14157485052", "email": "ops@acme.example.com", "website": "www.acme.com",
            "number_of_employees": "0-50", "addresses": [sent_business_address()],
            "beneficial_owners": [{ "dob": "1975-07-04", "first_name": "Ada", "last_name": "Lovelace", "addresses": [sent_business_address()] }]
        })
    );
    assert_eq!(got.business_id, BUSINESS_ID);
    assert_eq!(
        (got.industry_type, got.industry_type_raw.as_str()),
        (0, "Financial"),
        "an undocumented industry is kept raw"
    );
    assert_eq!(
        (got.kyb_status, got.kyb_status_raw.as_str()),
        (pb::KybStatus::UnderReview as i32, "under review")
    );
    assert_eq!(
        got.date_established, "2020-01-01",
        "the timestamp form is cut to a date"
    );
    assert_eq!(got.beneficial_owners[0].beneficial_owner_id, OWNER_ID);
    assert!(
        got.update_time.is_some(),
        "space-separated short-offset timestamp parses"
    );
}

#[tokio::test]
async fn get_business_accepts_the_openapi_field_names() {
    let app = spawn_app().await;
    let body = json!({ "business_id": BUSINESS_ID, "business_name": "Acme Y", "business_name_dba": "AY", "incorporation_date": "2019-05-01", "business_type": "llc" });
    app.upstream.on(
        "GET",
        &format!("/businesses/{BUSINESS_ID}"),
        vec![Reply::json(200, body)],
    );
    let got = app
        .businesses()
        .get_business(pb::GetBusinessRequest {
            business_id: BUSINESS_ID.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .business
        .unwrap();
    assert_eq!(
        (
            got.legal_business_name.as_str(),
            got.dba_business_name.as_str(),
            got.date_established.as_str()
        ),
        ("Acme Y", "AY", "2019-05-01")
    );
    assert_eq!(
        got.business_type,
        pb::BusinessType::LimitedLiabilityCompany as i32
    );
}

#[tokio::test]
async fn list_businesses_filters_by_kyb_status_and_accepts_a_single_object() {
    let app = spawn_app().await;
    app.upstream.on(
        "GET",
        "/businesses",
        vec![Reply::json(200, business_json())],
    );
    let req = pb::ListBusinessesRequest {
        page_size: 10,
        page_token: String::new(),
        kyb_status: pb::KybStatus::UnderReview as i32,
    };
    let got = app
        .businesses()
        .list_businesses(req)
        .await
        .unwrap()
        .into_inner();
    let sent = only_request(&app);
    assert_eq!(
        sent.query.as_deref(),
        Some("kyb_status=under+review&page=1&per_page=10")
    );
    assert_eq!(got.businesses.len(), 1);
    assert_eq!(got.next_page_token, "");
}

#[tokio::test]
async fn a_page_token_cannot_be_reused_with_another_filter() {
    let app = spawn_app().await;
    app.upstream.on(
        "GET",
        "/businesses",
        vec![Reply::json(200, json!([business_json(), business_json()]))],
    );
    let mut client = app.businesses();
    let first = client
        .list_businesses(pb::ListBusinessesRequest {
            page_size: 2,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let req = pb::ListBusinessesRequest {
        page_size: 2,
        page_token: first.next_page_token,
        kyb_status: pb::KybStatus::Approved as i32,
    };
    let err = client.list_businesses(req).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert_eq!(app.upstream.count(), 1);
}

#[tokio::test]
async fn update_business_sends_masked_fields_in_atelio_spelling() {
    let app = spawn_app().await;
    app.upstream.on(
        "PATCH",
        &format!("/businesses/{BUSINESS_ID}"),
        vec![Reply::json(200, business_json())],
    );
    let mut b = business();
    b.business_id = BUSINESS_ID.into();
    b.industry_type = pb::IndustryType::FinanceBankingAndInsurance as i32;
    b.website = String::new();
    let mask = FieldMask {
        paths: vec!["industry_type".into(), "website".into(), "phone".into()],
    };
    app.businesses()
        .update_business(pb::UpdateBusinessRequest {
            business: Some(b),
            update_mask: Some(mask),
            request_id: String::new(),
        })
        .await
        .unwrap();
    assert_eq!(
        only_request(&app).json(),
        json!({ "industry_type": "Finance, Banking, and Insurance", "website": null, "phone": "+14157485052" })
    );
}

#[tokio::test]
async fn delete_business_accepts_204() {
    let app = spawn_app().await;
    app.upstream.on(
        "DELETE",
        &format!("/businesses/{BUSINESS_ID}"),
        vec![Reply::empty(204)],
    );
    let got = app
        .businesses()
        .delete_business(pb::DeleteBusinessRequest {
            business_id: BUSINESS_ID.into(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    assert_eq!(got.into_inner().business_id, BUSINESS_ID);
    assert_eq!(only_request(&app).method, "DELETE");
}
