//! The Atelio emulator's conformance, over its HTTP API (no gateway): the API key, customers,
//! validation and error bodies, Idempotency-Key and the 429; shared helpers for the KYC file.
use serde_json::{Value, json};

use crate::helpers::emulator::{self, Delivery, Emulator, PROGRAM, receiver};
use crate::helpers::signing;

pub(crate) fn new_customer(ssn: &str) -> Value {
    json!({
        "first_name": "Nick", "last_name": "Smith", "dob": "1990-02-13", "ssn": ssn,
        "email": "nick.smith@example.com", "phone": "555-111-2222",
        "addresses": [{ "address_type": "PHYSICAL", "street": "345 California St", "city": "San Francisco",
                        "state": "CA", "zip_code": "94104", "country": "US", "is_primary": true }]
    })
}

pub(crate) async fn subscribed(
    emu: &Emulator,
    statuses: &[u16],
) -> (String, tokio::sync::mpsc::UnboundedReceiver<Delivery>) {
    let (url, rx) = receiver(statuses).await;
    let (status, body) = emu
        .call(
            "POST",
            "/webhooks",
            Some(json!({ "url": url, "events": ["kyc.*", "kyb.*"], "description": "test" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let secret = body["webhook_subscription"]["secret"]
        .as_str()
        .expect("secret")
        .to_string();
    assert!(
        secret.starts_with("whsec_") && secret.len() == 38,
        "{secret}"
    );
    (secret, rx)
}

/// Checks v2 with the test's own HMAC and returns the payload.
pub(crate) fn verified(secret: &str, d: &Delivery) -> Value {
    let t: i64 = d
        .signature
        .split(',')
        .find_map(|p| p.strip_prefix("t="))
        .expect("t")
        .parse()
        .expect("t is a number");
    assert!((signing::now() - t).abs() <= 5, "fresh timestamp");
    let ours = signing::header(secret, t, &d.body);
    let v2 = |h: &str| {
        h.split(',')
            .find_map(|p| p.strip_prefix("v2="))
            .map(str::to_string)
    };
    assert_eq!(
        v2(&d.signature),
        v2(&ours),
        "v2 = HMAC-SHA256(secret, t + '.' + body)"
    );
    d.json()
}

pub(crate) async fn create(emu: &Emulator, ssn: &str) -> String {
    let (status, body) = emu
        .call("POST", "/customers/", Some(new_customer(ssn)))
        .await;
    assert_eq!(status, 201, "{body}");
    body["customer_id"].as_str().expect("id").to_string()
}

pub(crate) async fn start_kyc(emu: &Emulator, id: &str) -> (u16, Value) {
    emu.call(
        "POST",
        &format!("/customers/{id}/verification-kyc"),
        Some(json!({ "program_id": PROGRAM })),
    )
    .await
}

#[tokio::test]
async fn calls_without_the_api_key_get_the_documented_auth_error() {
    let emu = Emulator::start(emulator::config()).await;
    let (status, body) = emu
        .call_with(
            "GET",
            "/customers",
            None,
            &[("Identity", emulator::IDENTITY), ("Authorization", "wrong")],
        )
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["Code"], "auth_err");
    assert_eq!(body["Type"], "Request Error");
    assert_eq!(body["Status"], 401);
    let (status, _) = emu.call_with("GET", "/customers", None, &[]).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn customers_are_created_masked_listed_updated_and_deleted() {
    let emu = Emulator::start(emulator::config()).await;
    let (status, c) = emu
        .call("POST", "/customers", Some(new_customer("123-45-6789")))
        .await;
    assert_eq!(status, 201);
    assert_eq!(c["ssn"], "XXX-XX-6789");
    assert!(c["addresses"][0]["address_id"].is_string());
    let id = c["customer_id"].as_str().expect("id");
    let (_, list) = emu.call("GET", "/customers?page=1&per_page=10", None).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "a bare array");
    let (status, updated) = emu
        .call(
            "PATCH",
            &format!("/customers/{id}"),
            Some(json!({ "first_name": "Nicholas" })),
        )
        .await;
    assert_eq!(
        (status, updated["first_name"].as_str()),
        (200, Some("Nicholas"))
    );
    let (status, text) = emu.call("DELETE", &format!("/customers/{id}"), None).await;
    assert_eq!((status, text), (200, json!("Customer resource deleted")));
    let (status, body) = emu.call("GET", &format!("/customers/{id}"), None).await;
    assert_eq!((status, body["Code"].as_str()), (404, Some("customer_dne")));
}

#[tokio::test]
async fn a_create_missing_fields_names_each_one() {
    let emu = Emulator::start(emulator::config()).await;
    let mut body = new_customer("123-45-6789");
    body.as_object_mut().expect("object").remove("last_name");
    body["addresses"][0]["zip_code"] = json!("9410");
    let (status, err) = emu.call("POST", "/customers/", Some(body)).await;
    assert_eq!(status, 400);
    assert_eq!(err["Code"], "create_customer_schema");
    assert_eq!(
        err["Message"]["last_name"],
        json!(["Missing data for required field."])
    );
    assert!(err["Message"]["addresses.0.zip_code"].is_array(), "{err}");
}

#[tokio::test]
async fn an_idempotency_key_that_succeeded_is_refused_for_a_day_a_failed_one_is_not() {
    let emu = Emulator::start(emulator::config()).await;
    let key = [
        ("Identity", emulator::IDENTITY),
        ("Authorization", emulator::AUTHORIZATION),
        ("Idempotency-Key", "dd6dcedd-2a11-4098-1223-876902123abc"),
    ];
    let (code, _) = emu
        .call_with("POST", "/customers", Some(json!({})), &key)
        .await;
    assert_eq!(code, 400);
    let (code, _) = emu
        .call_with(
            "POST",
            "/customers",
            Some(new_customer("123-45-6789")),
            &key,
        )
        .await;
    assert_eq!(code, 201, "a failed call does not use up its key");
    let (code, err) = emu
        .call_with(
            "POST",
            "/customers",
            Some(new_customer("123-45-6789")),
            &key,
        )
        .await;
    assert_eq!(
        (code, err["Code"].as_str()),
        (409, Some("idempotency_key_exists"))
    );
}

#[tokio::test]
async fn the_calls_per_minute_limit_answers_429_with_retry_after() {
    let emu = Emulator::start(atelio_gateway::sandbox::SandboxConfig {
        rate_limit_per_min: 3,
        ..emulator::config()
    })
    .await;
    for _ in 0..3 {
        assert_eq!(emu.call("GET", "/customers", None).await.0, 200);
    }
    let resp = emu
        .http
        .get(format!("{}/customers", emu.handle.base_url()))
        .header("Identity", emulator::IDENTITY)
        .header("Authorization", emulator::AUTHORIZATION)
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status(), 429);
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait));
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["Code"], "rate_limited");
}
