//! BeneficialOwnerService: owners, owner addresses and owner KYC.
use atelio_gateway::proto::v1 as pb;
use prost_types::FieldMask;
use serde_json::json;

use crate::helpers::{fixtures::*, *};

fn owner_path() -> String {
    format!("/businesses/{BUSINESS_ID}/beneficial_owners/{OWNER_ID}")
}

#[tokio::test]
async fn owners_are_created_read_listed_updated_and_deleted() {
    let app = spawn_app().await;
    let coll = format!("/businesses/{BUSINESS_ID}/beneficial_owners");
    let one = owner_path();
    app.upstream
        .on("POST", &coll, vec![Reply::json(201, owner_json())]);
    app.upstream
        .on("GET", &one, vec![Reply::json(200, owner_json())]);
    app.upstream.on("GET", &coll, vec![Reply::json(200, json!({ "page_info": { "page": 1, "page_size": 1, "pages": 1 }, "data": [owner_json()] }))]);
    app.upstream
        .on("PATCH", &one, vec![Reply::json(200, owner_json())]);
    let mut deleted = owner_json();
    deleted["date_deleted"] = json!("2022-07-15T18:57:28+00:00");
    app.upstream
        .on("DELETE", &one, vec![Reply::json(200, deleted)]);
    let mut c = app.owners();

    let created = c
        .create_beneficial_owner(pb::CreateBeneficialOwnerRequest {
            business_id: BUSINESS_ID.into(),
            beneficial_owner: Some(owner()),
            request_id: "o1".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .beneficial_owner
        .unwrap();
    assert_eq!(
        created.addresses.len(),
        1,
        "standalone owners list addresses under `address`"
    );
    assert_eq!(created.middle_name, "");
    c.get_beneficial_owner(pb::GetBeneficialOwnerRequest {
        business_id: BUSINESS_ID.into(),
        beneficial_owner_id: OWNER_ID.into(),
    })
    .await
    .unwrap();
    let listed = c
        .list_beneficial_owners(pb::ListBeneficialOwnersRequest {
            business_id: BUSINESS_ID.into(),
            page_size: 0,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            listed.beneficial_owners.len(),
            listed.next_page_token.as_str()
        ),
        (1, "")
    );
    let upd = pb::BeneficialOwner {
        beneficial_owner_id: OWNER_ID.into(),
        last_name: "King".into(),
        ..Default::default()
    };
    let mask = FieldMask {
        paths: vec!["last_name".into()],
    };
    c.update_beneficial_owner(pb::UpdateBeneficialOwnerRequest {
        business_id: BUSINESS_ID.into(),
        beneficial_owner: Some(upd),
        update_mask: Some(mask),
        request_id: String::new(),
    })
    .await
    .unwrap();
    let gone = c
        .delete_beneficial_owner(pb::DeleteBeneficialOwnerRequest {
            business_id: BUSINESS_ID.into(),
            beneficial_owner_id: OWNER_ID.into(),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(gone.beneficial_owner.unwrap().delete_time.is_some());

    let reqs = app.upstream.requests();
    let seen: Vec<_> = reqs
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    let want = [
        ("POST", &coll),
        ("GET", &one),
        ("GET", &coll),
        ("PATCH", &one),
        ("DELETE", &one),
    ];
    assert_eq!(
        seen,
        want.iter()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        reqs[0].json(),
        json!({ "dob": "1975-07-04", "first_name": "Ada", "last_name": "Lovelace", "addresses": [sent_business_address()] })
    );
    assert!(reqs[0].header("idempotency-key").is_some());
    assert_eq!(reqs[2].query.as_deref(), Some("page=1&page_size=20"));
    assert_eq!(reqs[3].json(), json!({ "last_name": "King" }));
}

#[tokio::test]
async fn owner_addresses_follow_the_owner_path() {
    let app = spawn_app().await;
    let base = format!("{}/addresses", owner_path());
    let one = format!("{base}/{ADDRESS_ID}");
    app.upstream.on_prefix(
        "POST",
        &base,
        vec![Reply::json(201, address_json("PHYSICAL"))],
    );
    app.upstream.on_prefix("GET", &base, vec![Reply::json(200, json!({ "page_info": { "page": 1, "page_size": 1, "pages": 1 }, "data": [address_json("PHYSICAL")] }))]);
    app.upstream.on(
        "GET",
        &one,
        vec![Reply::json(200, address_json("PHYSICAL"))],
    );
    app.upstream.on_prefix(
        "PATCH",
        &base,
        vec![Reply::json(200, address_json("PHYSICAL"))],
    );
    app.upstream.on_prefix(
        "DELETE",
        &base,
        vec![Reply::json(200, address_json("PHYSICAL"))],
    );
    let mut c = app.owners();
    let ids = || (BUSINESS_ID.to_string(), OWNER_ID.to_string());
    let (b, o) = ids();
    c.create_beneficial_owner_address(pb::CreateBeneficialOwnerAddressRequest {
        business_id: b.clone(),
        beneficial_owner_id: o.clone(),
        address: Some(business_address()),
        request_id: String::new(),
    })
    .await
    .unwrap();
    c.get_beneficial_owner_address(pb::GetBeneficialOwnerAddressRequest {
        business_id: b.clone(),
        beneficial_owner_id: o.clone(),
        address_id: ADDRESS_ID.into(),
    })
    .await
    .unwrap();
    let listed = c
        .list_beneficial_owner_addresses(pb::ListBeneficialOwnerAddressesRequest {
            business_id: b.clone(),
            beneficial_owner_id: o.clone(),
            page_size: 5,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        listed.addresses[0].address_type,
        pb::AddressType::Physical as i32
    );
    let mut a = business_address();
    a.address_id = ADDRESS_ID.into();
    c.update_beneficial_owner_address(pb::UpdateBeneficialOwnerAddressRequest {
        business_id: b.clone(),
        beneficial_owner_id: o.clone(),
        address: Some(a),
        update_mask: None,
        request_id: String::new(),
    })
    .await
    .unwrap();
    c.delete_beneficial_owner_address(pb::DeleteBeneficialOwnerAddressRequest {
        business_id: b,
        beneficial_owner_id: o,
        address_id: ADDRESS_ID.into(),
        request_id: String::new(),
    })
    .await
    .unwrap();
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
    assert_eq!(
        reqs[4].json(),
        sent_business_address(),
        "no mask sends the whole address"
    );
}
