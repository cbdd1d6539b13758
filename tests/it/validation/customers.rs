//! Validation at the edge: each documented rule rejects a bad value with INVALID_ARGUMENT and a
//! BadRequest naming the field, and nothing reaches the upstream. (Each rule's valid and invalid
//! values are also unit-tested in `src/domain`.)
use atelio_gateway::proto::v1 as pb;
use tonic::Status;

use crate::helpers::{fixtures::*, *};

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
