//! Validation of businesses, owner KYC, ids, documents, update masks and paging: each broken
//! rule is an INVALID_ARGUMENT naming its field, with no upstream traffic.
use atelio_gateway::proto::v1 as pb;
use prost_types::FieldMask;

use crate::helpers::{fixtures::*, *};

#[tokio::test]
async fn business_rules_use_the_business_address_profile_and_owner_name_limits() {
    let app = spawn_app().await;
    type Edit = fn(&mut pb::Business);
    let cases: Vec<(Edit, &str)> = vec![
        (|b| b.ein = "123456789".into(), "business.ein"),
        (
            |b| b.legal_business_name.clear(),
            "business.legal_business_name",
        ),
        (|b| b.industry_type = 0, "business.industry_type"),
        (|b| b.industry_type = 99, "business.industry_type"),
        (
            |b| b.date_established = "2020-02-30".into(),
            "business.date_established",
        ),
        (|b| b.email = "ops@acme".into(), "business.email"),
        (|b| b.addresses.clear(), "business.addresses"),
        (
            |b| b.addresses[0].street = "1 Main".into(),
            "business.addresses[0].street",
        ),
        (
            |b| b.addresses[0].street2 = "A".into(),
            "business.addresses[0].street2",
        ),
        (
            |b| b.addresses[0].city = "Llanfairpwllgwyngyll Town".into(),
            "business.addresses[0].city",
        ),
        (
            |b| {
                b.beneficial_owners = vec![pb::BeneficialOwner {
                    first_name: "A".repeat(21),
                    ..owner()
                }]
            },
            "business.beneficial_owners[0].first_name",
        ),
        (
            |b| {
                b.beneficial_owners = vec![pb::BeneficialOwner {
                    last_name: "L".into(),
                    ..owner()
                }]
            },
            "business.beneficial_owners[0].last_name",
        ),
    ];
    for (edit, field) in cases {
        let mut b = business();
        edit(&mut b);
        let res = app
            .businesses()
            .create_business(pb::CreateBusinessRequest {
                business: Some(b),
                request_id: String::new(),
            })
            .await;
        assert_invalid(&app, res, &[field]);
    }
}

#[tokio::test]
async fn a_us_owner_kyc_needs_ssn_phone_email_and_ip() {
    let app = spawn_app().await;
    let req = pb::StartBeneficialOwnerKycRequest {
        business_id: BUSINESS_ID.into(),
        beneficial_owner_id: OWNER_ID.into(),
        program_id: PROGRAM_ID.into(),
        ..Default::default()
    };
    let res = app.owners().start_beneficial_owner_kyc(req.clone()).await;
    assert_invalid(&app, res, &["ssn", "phone", "email", "ip"]);
    let bad_ip = pb::StartBeneficialOwnerKycRequest {
        ssn: "111111111".into(),
        phone: "5551112222".into(),
        email: "a@b.co".into(),
        ip: "999.1.1.1".into(),
        ..req
    };
    assert_invalid(
        &app,
        app.owners().start_beneficial_owner_kyc(bad_ip).await,
        &["ip"],
    );
}

#[tokio::test]
async fn ids_and_program_ids_must_be_uuids() {
    let app = spawn_app().await;
    let kyc = pb::StartCustomerKycRequest {
        customer_id: "42".into(),
        program_id: "program-123456".into(),
        ..Default::default()
    };
    assert_invalid(
        &app,
        app.customers().start_customer_kyc(kyc).await,
        &["customer_id", "program_id"],
    );
    let no_program = pb::StartCustomerKycRequest {
        customer_id: CUSTOMER_ID.into(),
        ..Default::default()
    };
    assert_invalid(
        &app,
        app.customers().start_customer_kyc(no_program).await,
        &["program_id"],
    );
    let get = pb::GetBeneficialOwnerRequest {
        business_id: BUSINESS_ID.into(),
        beneficial_owner_id: String::new(),
    };
    assert_invalid(
        &app,
        app.owners().get_beneficial_owner(get).await,
        &["beneficial_owner_id"],
    );
}

#[tokio::test]
async fn documents_need_a_type_a_known_file_type_and_a_back_side_where_required() {
    let app = spawn_app().await;
    let none = pb::SubmitCustomerKycDocumentsRequest {
        customer_id: CUSTOMER_ID.into(),
        ..Default::default()
    };
    assert_invalid(
        &app,
        app.customers().submit_customer_kyc_documents(none).await,
        &["government_id"],
    );
    let img = |n: &str| {
        Some(pb::DocumentImage {
            file_name: n.into(),
            image: vec![1],
        })
    };
    let gov = pb::GovernmentIdDocument {
        r#type: pb::GovernmentIdType::WorkPermit as i32,
        country: "US".into(),
        front_image: img("front.exe"),
        back_image: None,
    };
    let req = pb::SubmitCustomerKycDocumentsRequest {
        customer_id: CUSTOMER_ID.into(),
        government_id: Some(gov),
        ..Default::default()
    };
    assert_invalid(
        &app,
        app.customers().submit_customer_kyc_documents(req).await,
        &[
            "government_id.front_image.file_name",
            "government_id.back_image",
        ],
    );
}

#[tokio::test]
async fn update_masks_and_page_parameters_are_checked() {
    let app = spawn_app().await;
    let c = pb::Customer {
        customer_id: CUSTOMER_ID.into(),
        ..Default::default()
    };
    let req = pb::UpdateCustomerRequest {
        customer: Some(c.clone()),
        update_mask: Some(FieldMask {
            paths: vec!["customer_id".into()],
        }),
        request_id: String::new(),
    };
    assert_invalid(
        &app,
        app.customers().update_customer(req).await,
        &["update_mask"],
    );
    let empty = pb::UpdateCustomerRequest {
        customer: Some(c),
        ..Default::default()
    };
    assert_invalid(
        &app,
        app.customers().update_customer(empty).await,
        &["update_mask"],
    );
    let list = pb::ListCustomersRequest {
        page_size: -1,
        page_token: String::new(),
    };
    assert_invalid(
        &app,
        app.customers().list_customers(list).await,
        &["page_size"],
    );
    let list = pb::ListCustomersRequest {
        page_size: 5,
        page_token: "bm9wZQ".into(),
    };
    assert_invalid(
        &app,
        app.customers().list_customers(list).await,
        &["page_token"],
    );
}
