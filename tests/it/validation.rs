//! Validation at the edge: each documented rule rejects a bad value with INVALID_ARGUMENT and a
//! BadRequest naming the field, and nothing reaches the upstream. (Each rule's valid and invalid
//! values are also unit-tested in `src/domain`.)
use atelio_gateway::proto::v1 as pb;
use prost_types::FieldMask;
use tonic::{Code, Status};
use tonic_types::StatusExt;

use crate::helpers::{fixtures::*, *};

/// Asserts an INVALID_ARGUMENT listing exactly `fields` and no upstream traffic.
fn assert_invalid<T: std::fmt::Debug>(app: &TestApp, result: Result<T, Status>, fields: &[&str]) {
    let err = result.expect_err("the request must be rejected");
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    let br = err
        .get_error_details()
        .bad_request()
        .cloned()
        .expect("BadRequest details");
    let mut got: Vec<_> = br
        .field_violations
        .iter()
        .map(|v| v.field.as_str())
        .collect();
    got.sort();
    got.dedup();
    let mut want = fields.to_vec();
    want.sort();
    assert_eq!(got, want);
    let info = err
        .get_error_details()
        .error_info()
        .cloned()
        .expect("ErrorInfo");
    assert_eq!(info.reason, "INVALID_REQUEST");
    assert_eq!(
        app.upstream.count(),
        0,
        "invalid input must not reach Atelio"
    );
}

async fn create_customer(
    app: &TestApp,
    edit: impl FnOnce(&mut pb::Customer),
) -> Result<pb::CreateCustomerResponse, Status> {
    let mut c = customer();
    edit(&mut c);
    let r = app
        .customers()
        .create_customer(pb::CreateCustomerRequest {
            customer: Some(c),
            request_id: String::new(),
        })
        .await;
    r.map(|r| r.into_inner())
}

#[tokio::test]
async fn each_customer_rule_rejects_its_invalid_value() {
    let app = spawn_app().await;
    type Edit = fn(&mut pb::Customer);
    let cases: Vec<(Edit, &str)> = vec![
        (|c| c.first_name.clear(), "customer.first_name"),
        (|c| c.first_name = "N".into(), "customer.first_name"),
        (|c| c.first_name = "1Nick".into(), "customer.first_name"),
        (|c| c.first_name = "N".repeat(51), "customer.first_name"),
        (|c| c.middle_name = "A-B".into(), "customer.middle_name"),
        (|c| c.last_name = "Sm1th".into(), "customer.last_name"),
        (|c| c.dob = "1990-13-01".into(), "customer.dob"),
        (|c| c.dob = "2999-01-01".into(), "customer.dob"),
        (|c| c.dob = "13/02/1990".into(), "customer.dob"),
        (|c| c.ssn = "123-456-789".into(), "customer.ssn"),
        (|c| c.phone = "555 111 2222".into(), "customer.phone"),
        (
            |c| c.phone_country_code = "1234".into(),
            "customer.phone_country_code",
        ),
        (|c| c.email = "nick@".into(), "customer.email"),
        (|c| c.addresses.clear(), "customer.addresses"),
        (|c| c.addresses[0].is_primary = false, "customer.addresses"),
        (
            |c| c.addresses[0].address_type = 0,
            "customer.addresses[0].address_type",
        ),
        (
            |c| c.addresses[0].street = "345 California St $".into(),
            "customer.addresses[0].street",
        ),
        (
            |c| c.addresses[0].street2 = "x".repeat(41),
            "customer.addresses[0].street2",
        ),
        (
            |c| c.addresses[0].city = "S".into(),
            "customer.addresses[0].city",
        ),
        (
            |c| c.addresses[0].state = "California".into(),
            "customer.addresses[0].state",
        ),
        (
            |c| c.addresses[0].state = "ZZ".into(),
            "customer.addresses[0].state",
        ),
        (
            |c| c.addresses[0].zip_code = "9410".into(),
            "customer.addresses[0].zip_code",
        ),
        (
            |c| c.addresses[0].country = "USA".into(),
            "customer.addresses[0].country",
        ),
        (
            |c| c.addresses[0].country = "XX".into(),
            "customer.addresses[0].country",
        ),
        (
            |c| c.account_holder_type = pb::AccountHolderType::Secondary as i32,
            "customer.primary_id",
        ),
        (
            |c| c.primary_id = "not-a-uuid".into(),
            "customer.primary_id",
        ),
    ];
    for (edit, field) in cases {
        assert_invalid(&app, create_customer(&app, edit).await, &[field]);
    }
}

#[tokio::test]
async fn valid_edge_values_are_accepted() {
    let app = spawn_app().await;
    app.upstream.on(
        "POST",
        "/customers/",
        vec![Reply::json(201, customer_json())],
    );
    type Edit = fn(&mut pb::Customer);
    let cases: Vec<Edit> = vec![
        |c| c.first_name = "D'Arcy Ann".into(),
        |c| c.ssn = "123456789".into(),
        |c| c.phone = "+1408-555-7788".into(),
        |c| c.addresses[0].zip_code = "94104-1234".into(),
        |c| c.addresses[0].street = "#1 Main St., Unit_2 - B".into(),
        |c| {
            let a = &mut c.addresses[0];
            (a.country, a.state, a.zip_code) = ("DE".into(), "Bavaria".into(), "80331".into());
        },
    ];
    let n = cases.len();
    for edit in cases {
        create_customer(&app, edit)
            .await
            .expect("valid input is forwarded");
    }
    assert_eq!(app.upstream.count(), n);
}

#[tokio::test]
async fn every_violation_of_one_request_is_reported_together() {
    let app = spawn_app().await;
    let res = create_customer(&app, |c| {
        c.first_name = "9".into();
        c.email = "bad".into();
        c.addresses[0].zip_code = "x".into();
    })
    .await;
    assert_invalid(
        &app,
        res,
        &[
            "customer.first_name",
            "customer.email",
            "customer.addresses[0].zip_code",
        ],
    );
}

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
