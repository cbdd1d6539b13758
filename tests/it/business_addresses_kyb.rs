//! BusinessService: business addresses and KYB start, status and history.
use atelio_gateway::proto::v1 as pb;
use prost_types::FieldMask;
use serde_json::json;

use crate::helpers::{fixtures::*, *};

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
            ("GET", one.as_str()),
            ("PATCH", one.as_str()),
            ("DELETE", one.as_str())
        ]
    );
    assert_eq!(reqs[0].json(), sent_business_address());
    assert_eq!(reqs[2].query.as_deref(), Some("page=1&page_size=2"));
    assert_eq!(
        reqs[4].json(),
        json!({
            "address_type": "MAILING", "street": "1000 Main Street", "street2": "",
            "city": "San Francisco", "state": "CA", "zip_code": "73301-1234", "country": "US",
            "is_primary": true
        }),
        "the whole address: Atelio's current one with the masked fields changed"
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
    assert!(
        err.message().contains("business_address_del_err"),
        "Atelio's code, never its message text: {}",
        err.message()
    );
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
            max_staleness: None,
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
