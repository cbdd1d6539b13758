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

#[tokio::test]
async fn business_addresses_are_created_read_listed_updated_and_deleted() {
    let app = spawn_app().await;
    let base = format!("/businesses/{BUSINESS_ID}/addresses");
    let one = format!("{base}/{ADDRESS_ID}");
    app.upstream.on(
        "POST",
        &base,
        vec![Reply::json(201, address_json("MAILING"))],
    );
    app.upstream
        .on("GET", &one, vec![Reply::json(200, address_json("MAILING"))]);
    app.upstream.on("GET", &base, vec![Reply::json(200, json!({ "data": [address_json("MAILING"), address_json("PHYSICAL")], "page_info": { "page": 1, "page_size": 2, "pages": 2 } }))]);
    app.upstream.on(
        "PATCH",
        &one,
        vec![Reply::json(200, address_json("MAILING"))],
    );
    let mut deleted = address_json("MAILING");
    deleted["date_deleted"] = json!("2019-08-24T14:15:22Z");
    app.upstream
        .on("DELETE", &one, vec![Reply::json(200, deleted)]);
    let mut c = app.businesses();

    let created = c
        .create_business_address(pb::CreateBusinessAddressRequest {
            business_id: BUSINESS_ID.into(),
            address: Some(business_address()),
            request_id: "a1".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.address.unwrap().address_id, ADDRESS_ID);
    c.get_business_address(pb::GetBusinessAddressRequest {
        business_id: BUSINESS_ID.into(),
        address_id: ADDRESS_ID.into(),
    })
    .await
    .unwrap();
    let listed = c
        .list_business_addresses(pb::ListBusinessAddressesRequest {
            business_id: BUSINESS_ID.into(),
            page_size: 2,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.addresses.len(), 2);
    assert!(!listed.next_page_token.is_empty(), "page 1 of 2");
    let mut a = business_address();
    a.address_id = ADDRESS_ID.into();
    let mask = FieldMask {
        paths: vec!["street".into(), "zip_code".into()],
    };
    c.update_business_address(pb::UpdateBusinessAddressRequest {
        business_id: BUSINESS_ID.into(),
        address: Some(a),
        update_mask: Some(mask),
        request_id: String::new(),
    })
    .await
    .unwrap();
    let gone = c
        .delete_business_address(pb::DeleteBusinessAddressRequest {
            business_id: BUSINESS_ID.into(),
            address_id: ADDRESS_ID.into(),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        gone.address.unwrap().delete_time.unwrap().seconds,
        1_566_656_122
    );

    let reqs = app.upstream.requests();
    let seen: Vec<_> = reqs
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("POST", base.as_str()),
            ("GET", one.as_str()),
            ("GET", base.as_str()),
            ("PATCH", one.as_str()),
            ("DELETE", one.as_str())
        ]
    );
    assert_eq!(reqs[0].json(), sent_business_address());
    assert_eq!(reqs[2].query.as_deref(), Some("page=1&page_size=2"));
    assert_eq!(
        reqs[3].json(),
        json!({ "street": "1000 Main Street", "zip_code": "73301-1234" })
    );
}

#[tokio::test]
async fn deleting_the_last_address_surfaces_atelios_error() {
    let app = spawn_app().await;
    let body = json!({ "Message": "A business must have atleast one active address", "Status": 400, "Code": "business_address_del_err", "Type": "Request Error" });
    app.upstream
        .on_prefix("DELETE", "/businesses/", vec![Reply::json(400, body)]);
    let err = app
        .businesses()
        .delete_business_address(pb::DeleteBusinessAddressRequest {
            business_id: BUSINESS_ID.into(),
            address_id: ADDRESS_ID.into(),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert!(err.message().contains("atleast one active address"));
}

#[tokio::test]
async fn kyb_is_started_read_and_its_history_paged() {
    let app = spawn_app().await;
    let b = format!("/businesses/{BUSINESS_ID}");
    app.upstream.on(
        "POST",
        &format!("{b}/verification-kyb"),
        vec![Reply::json(
            200,
            json!({ "business_id": BUSINESS_ID, "kyb_status": "initiated", "inquiry_id": "inq_9" }),
        )],
    );
    app.upstream.on("GET", &format!("{b}/verification-kyb"), vec![Reply::json(200, json!({ "business_id": BUSINESS_ID, "kyb_status": "rejected", "details": [{ "code": "rejected_tin", "reason": "TIN mismatch" }] }))]);
    let entry = json!({ "vendor_kyb_id": "v1", "vendor": "persona", "status": "approved", "reason": ["ok"], "requirement": null, "verification_metadata": { "a": 1 }, "event_id": "event_12345", "verification_type": "kyb_v2" });
    app.upstream.on(
        "GET",
        &format!("{b}/kyb-history"),
        vec![Reply::json(
            200,
            json!({ "page_info": { "page": 1, "page_size": 1, "pages": 1 }, "data": [entry] }),
        )],
    );
    let mut c = app.businesses();
    let started = c
        .start_kyb(pb::StartKybRequest {
            business_id: BUSINESS_ID.into(),
            program_id: PROGRAM_ID.into(),
            request_id: "kyb-1".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (started.kyb_status, started.inquiry_id.as_str()),
        (pb::KybStatus::Initiated as i32, "inq_9")
    );
    let status = c
        .get_kyb_status(pb::GetKybStatusRequest {
            business_id: BUSINESS_ID.into(),
            program_id: PROGRAM_ID.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (status.kyb_status, status.details[0].code.as_str()),
        (pb::KybStatus::Rejected as i32, "rejected_tin")
    );
    let hist = c
        .list_kyb_history(pb::ListKybHistoryRequest {
            business_id: BUSINESS_ID.into(),
            page_size: 0,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            hist.entries[0].reasons.clone(),
            hist.next_page_token.as_str()
        ),
        (vec!["ok".to_string()], "")
    );

    let reqs = app.upstream.requests();
    assert_eq!(
        reqs[0].json(),
        json!({ "business_id": BUSINESS_ID, "program_id": PROGRAM_ID })
    );
    assert!(reqs[0].header("idempotency-key").is_some());
    assert_eq!(
        reqs[1].query.as_deref(),
        Some(format!("program_id={PROGRAM_ID}").as_str())
    );
    assert_eq!(reqs[2].query.as_deref(), Some("page=1&count=100"));
}
