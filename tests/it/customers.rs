//! CustomerService: every RPC's REST translation and response mapping.
use atelio_gateway::proto::v1 as pb;
use prost_types::FieldMask;
use serde_json::json;

use crate::helpers::{fixtures::*, *};

const SVC: &str = "atelio.gateway.v1.CustomerService/";

#[tokio::test]
async fn create_customer_posts_the_documented_body_with_credentials_and_a_derived_key() {
    let app = spawn_app().await;
    app.upstream.on(
        "POST",
        "/customers/",
        vec![Reply::json(201, customer_json())],
    );
    let req = pb::CreateCustomerRequest {
        customer: Some(customer()),
        request_id: "req-1".into(),
    };
    let got = app
        .customers()
        .create_customer(req)
        .await
        .unwrap()
        .into_inner()
        .customer
        .unwrap();

    let sent = only_request(&app);
    assert_eq!(
        (
            sent.method.as_str(),
            sent.path.as_str(),
            sent.query.as_deref()
        ),
        ("POST", "/customers/", None)
    );
    assert_credentials(&sent);
    assert_eq!(
        sent.header("idempotency-key"),
        Some(expected_key(&format!("{SVC}CreateCustomer"), "req-1"))
    );
    assert_eq!(
        sent.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        sent.json(),
        json!({
            "dob": "1990-02-13", "first_name": "Nick", "middle_name": "Aaron", "last_name": "Smith",
            "ssn": "123-45-6789", "phone": "555-111-2222", "phone_country_code": "1",
            "email": "nick.smith@goldfinger.com", "addresses": [sent_customer_address()]
        })
    );
    assert_eq!(got.customer_id, CUSTOMER_ID);
    assert_eq!(got.ssn, "XXX-XX-6789");
    assert_eq!(got.business_id, "", "the string \"null\" decodes as absent");
    assert_eq!(got.kyc_requests_available, 3);
    assert_eq!(got.brand_id, "8a4d3a3e-9d3c-4f3a-8a3b-3c2d1e0f9a8b");
    assert_eq!(
        got.create_time.unwrap().seconds,
        1_612_227_058,
        "hyphen-separated timestamp"
    );
    let a = &got.addresses[0];
    assert_eq!(
        (
            a.address_id.as_str(),
            a.address_type,
            a.deliverability.as_str()
        ),
        (ADDRESS_ID, pb::AddressType::Physical as i32, "deliverable")
    );
}

#[tokio::test]
async fn create_customer_without_request_id_still_sends_a_key_and_secondary_holder_fields() {
    let app = spawn_app().await;
    app.upstream.on(
        "POST",
        "/customers/",
        vec![Reply::json(201, customer_json())],
    );
    let mut c = customer();
    c.account_holder_type = pb::AccountHolderType::Secondary as i32;
    c.primary_id = BUSINESS_ID.into();
    c.brand_person_id = "user-42".into();
    app.customers()
        .create_customer(pb::CreateCustomerRequest {
            customer: Some(c),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let sent = only_request(&app);
    let key = sent.header("idempotency-key").expect("a fresh key");
    assert_eq!(key.len(), 36);
    let body = sent.json();
    assert_eq!(
        (
            body["account_holder_type"].as_str(),
            body["primary_id"].as_str()
        ),
        (Some("secondary"), Some(BUSINESS_ID))
    );
    assert_eq!(body["brand_person_id"], "user-42");
}

#[tokio::test]
async fn get_customer_reads_one_customer() {
    let app = spawn_app().await;
    app.upstream.on(
        "GET",
        &format!("/customers/{CUSTOMER_ID}"),
        vec![Reply::json(200, customer_json())],
    );
    let got = app
        .customers()
        .get_customer(pb::GetCustomerRequest {
            customer_id: CUSTOMER_ID.into(),
        })
        .await
        .unwrap()
        .into_inner();
    let sent = only_request(&app);
    assert_eq!((sent.method.as_str(), sent.body.is_empty()), ("GET", true));
    assert_credentials(&sent);
    assert_eq!(
        sent.header("idempotency-key"),
        None,
        "only POSTs carry a key"
    );
    assert_eq!(got.customer.unwrap().first_name, "Nick");
}

#[tokio::test]
async fn list_customers_pages_through_bare_arrays_with_per_page() {
    let app = spawn_app().await;
    let page = |n| vec![Reply::json(200, json!(vec![customer_json(); n]))];
    app.upstream.on("GET", "/customers", page(5));
    let mut client = app.customers();
    let first = client
        .list_customers(pb::ListCustomersRequest {
            page_size: 7,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.customers.len(), 5);
    assert!(
        !first.next_page_token.is_empty(),
        "a full page may have a successor"
    );
    app.upstream.on("GET", "/customers", page(2));
    let second = client
        .list_customers(pb::ListCustomersRequest {
            page_size: 7,
            page_token: first.next_page_token,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.customers.len(), 2);
    assert_eq!(second.next_page_token, "", "a short page is the last");
    let queries: Vec<_> = app
        .upstream
        .requests()
        .iter()
        .map(|r| r.query_pairs())
        .collect();
    let q = |p: &str| {
        vec![
            ("page".to_string(), p.to_string()),
            ("per_page".to_string(), "5".to_string()),
        ]
    };
    assert_eq!(
        queries,
        vec![q("1"), q("2")],
        "page_size 7 rounds down to Atelio's allowed 5"
    );
}

#[tokio::test]
async fn update_customer_patches_only_the_masked_fields() {
    let app = spawn_app().await;
    app.upstream.on(
        "PATCH",
        &format!("/customers/{CUSTOMER_ID}"),
        vec![Reply::json(200, customer_json())],
    );
    let mut c = customer();
    c.customer_id = CUSTOMER_ID.into();
    c.email = "new@goldfinger.com".into();
    c.middle_name = String::new();
    let mask = FieldMask {
        paths: vec!["email".into(), "phone".into(), "middle_name".into()],
    };
    let req = pb::UpdateCustomerRequest {
        customer: Some(c),
        update_mask: Some(mask),
        request_id: "u1".into(),
    };
    app.customers().update_customer(req).await.unwrap();
    let sent = only_request(&app);
    assert_eq!(sent.method, "PATCH");
    assert_eq!(
        sent.json(),
        json!({ "email": "new@goldfinger.com", "phone": "555-111-2222", "middle_name": null })
    );
}

#[tokio::test]
async fn update_customer_without_mask_sends_every_populated_updatable_field() {
    let app = spawn_app().await;
    app.upstream.on(
        "PATCH",
        &format!("/customers/{CUSTOMER_ID}"),
        vec![Reply::json(200, customer_json())],
    );
    let c = pb::Customer {
        customer_id: CUSTOMER_ID.into(),
        first_name: "Nicholas".into(),
        addresses: vec![customer_address()],
        ..Default::default()
    };
    app.customers()
        .update_customer(pb::UpdateCustomerRequest {
            customer: Some(c),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        only_request(&app).json(),
        json!({ "first_name": "Nicholas", "addresses": [sent_customer_address()] })
    );
}

#[tokio::test]
async fn delete_customer_accepts_the_plain_text_and_the_204_answers() {
    let app = spawn_app().await;
    let path = format!("/customers/{CUSTOMER_ID}");
    app.upstream.on(
        "DELETE",
        &path,
        vec![
            Reply::text(200, "Customer resource deleted"),
            Reply::empty(204),
        ],
    );
    for _ in 0..2 {
        let got = app
            .customers()
            .delete_customer(pb::DeleteCustomerRequest {
                customer_id: CUSTOMER_ID.into(),
                request_id: String::new(),
            })
            .await
            .unwrap();
        assert_eq!(got.into_inner().customer_id, CUSTOMER_ID);
    }
    assert_eq!(app.upstream.hits("DELETE", &path), 2);
}
