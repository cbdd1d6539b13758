//! The Atelio emulator's conformance, over its HTTP API (no gateway): the documented paths,
//! validation and error bodies, the KYC state machine and its trigger SSNs, signed webhooks
//! (checked with the test's own HMAC), delivery retries, Idempotency-Key and the 429.
use serde_json::{Value, json};

use crate::helpers::emulator::{self, Delivery, Emulator, PROGRAM, next, receiver};
use crate::helpers::signing;

fn new_customer(ssn: &str) -> Value {
    json!({
        "first_name": "Nick", "last_name": "Smith", "dob": "1990-02-13", "ssn": ssn,
        "email": "nick.smith@example.com", "phone": "555-111-2222",
        "addresses": [{ "address_type": "PHYSICAL", "street": "345 California St", "city": "San Francisco",
                        "state": "CA", "zip_code": "94104", "country": "US", "is_primary": true }]
    })
}

async fn subscribed(
    emu: &Emulator,
    statuses: &[u16],
) -> (String, tokio::sync::mpsc::UnboundedReceiver<Delivery>) {
    let (url, rx) = receiver(statuses).await;
    let (status, body) = emu
        .call(
            "POST",
            "/webhooks",
            Some(json!({ "url": url, "events": ["kyc.*"], "description": "test" })),
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
fn verified(secret: &str, d: &Delivery) -> Value {
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

async fn create(emu: &Emulator, ssn: &str) -> String {
    let (status, body) = emu
        .call("POST", "/customers/", Some(new_customer(ssn)))
        .await;
    assert_eq!(status, 201, "{body}");
    body["customer_id"].as_str().expect("id").to_string()
}

async fn start_kyc(emu: &Emulator, id: &str) -> (u16, Value) {
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
async fn the_default_ssn_passes_and_a_second_start_is_refused() {
    let emu = Emulator::start(emulator::config()).await;
    let (secret, mut rx) = subscribed(&emu, &[]).await;
    let id = create(&emu, "123-45-6789").await;
    let (status, body) = start_kyc(&emu, &id).await;
    assert_eq!(
        (status, body["kyc_status"].as_str()),
        (201, Some("submitted"))
    );
    let (status, body) = start_kyc(&emu, &id).await;
    assert_eq!(
        (status, body["Code"].as_str()),
        (409, Some("kyc_init_fail"))
    );
    let event = verified(&secret, &next(&mut rx).await);
    assert_eq!(event["event"], "kyc.verification.success");
    assert_eq!(event["customer_id"], id.as_str());
    let (_, status) = emu
        .call(
            "GET",
            &format!("/customers/{id}/verification-kyc?program_id={PROGRAM}"),
            None,
        )
        .await;
    assert_eq!(status["kyc_status"], "passed");
    assert_eq!(status["results"]["ofac"], "passed");
    assert_eq!(status["health"]["overall"], "SERVICE_GOOD");
    let (code, again) = start_kyc(&emu, &id).await;
    assert_eq!(
        (code, again["Code"].as_str()),
        (400, Some("kyc_reinit_fail"))
    );
    let (code, err) = emu
        .call(
            "PATCH",
            &format!("/customers/{id}"),
            Some(json!({ "last_name": "Jones" })),
        )
        .await;
    assert_eq!((code, err["Code"].as_str()), (400, Some("kyc_customer")));
    let (code, _) = emu
        .call(
            "PATCH",
            &format!("/customers/{id}"),
            Some(json!({ "email": "n@example.org" })),
        )
        .await;
    assert_eq!(code, 200, "contact fields may change after a pass");
}

#[tokio::test]
async fn each_trigger_ssn_requests_its_documents() {
    let emu = Emulator::start(emulator::config()).await;
    let (secret, mut rx) = subscribed(&emu, &[]).await;
    let cases = [
        ("111-11-1111", vec!["social_security_card", "government_id"]),
        ("222-22-2222", vec!["government_id", "proof_of_address"]),
        ("333-33-3333", vec!["government_id"]),
        (
            "444-44-4444",
            vec!["social_security_card", "government_id", "proof_of_address"],
        ),
    ];
    for (ssn, docs) in cases {
        let id = create(&emu, ssn).await;
        assert_eq!(start_kyc(&emu, &id).await.0, 201);
        let event = verified(&secret, &next(&mut rx).await);
        assert_eq!(
            event["event"], "kyc.verification.document_required",
            "{ssn}"
        );
        let got: Vec<&str> = event["documents"]
            .as_array()
            .expect("documents")
            .iter()
            .map(|d| d["document_type"].as_str().expect("type"))
            .collect();
        assert_eq!(got, docs, "{ssn}");
        assert!(
            event["documents"][0]["upload_link"]
                .as_str()
                .is_some_and(|l| l.starts_with("https://"))
        );
        assert!(
            event["inquiry_id"]
                .as_str()
                .is_some_and(|i| i.starts_with("inq_"))
        );
    }
}

#[tokio::test]
async fn uploading_the_documents_moves_to_under_review_then_passes() {
    let emu = Emulator::start(emulator::config()).await;
    let (secret, mut rx) = subscribed(&emu, &[]).await;
    let id = create(&emu, "333-33-3333").await;
    start_kyc(&emu, &id).await;
    assert_eq!(
        verified(&secret, &next(&mut rx).await)["event"],
        "kyc.verification.document_required"
    );
    let path = format!("/customers/{id}/verification-kyc/documents");
    let (code, err) = emu.call("POST", &path, Some(json!({ "proof_of_address": { "type": "utility_bill", "file_name": "b.pdf", "image": "AAAA" } }))).await;
    assert_eq!(
        (code, err["Code"].as_str()),
        (400, Some("kyc_error")),
        "not requested"
    );
    let doc = json!({ "government_id": { "type": "passport", "country": "US", "front_image": { "file_name": "p.jpg", "image": "AAAA" } } });
    let (code, body) = emu.call("POST", &path, Some(doc)).await;
    assert_eq!(
        (code, body["num_documents_submitted"].as_u64()),
        (200, Some(1))
    );
    assert_eq!(
        verified(&secret, &next(&mut rx).await)["event"],
        "kyc.verification.under_review"
    );
    assert_eq!(
        verified(&secret, &next(&mut rx).await)["event"],
        "kyc.verification.success"
    );
}

#[tokio::test]
async fn manual_review_ends_with_a_simulated_failure() {
    let emu = Emulator::start(emulator::config()).await;
    let (secret, mut rx) = subscribed(&emu, &[]).await;
    let id = create(&emu, "000-00-0000").await;
    start_kyc(&emu, &id).await;
    assert_eq!(
        verified(&secret, &next(&mut rx).await)["event"],
        "kyc.verification.under_review"
    );
    let (code, body) = emu
        .call(
            "POST",
            "/simulate/kyc-fail",
            Some(json!({ "customer_id": id, "program_id": PROGRAM })),
        )
        .await;
    assert_eq!((code, body["kyc_status"].as_str()), (200, Some("failed")));
    let event = verified(&secret, &next(&mut rx).await);
    assert_eq!(event["event"], "kyc.verification.failure");
    assert_eq!(event["reasons"]["bureau"], "failed");
}

#[tokio::test]
async fn a_refused_webhook_is_retried_until_accepted() {
    let emu = Emulator::start(emulator::config()).await;
    let (secret, mut rx) = subscribed(&emu, &[500, 503]).await;
    let id = create(&emu, "123-45-6789").await;
    start_kyc(&emu, &id).await;
    let bodies: Vec<Value> = [
        next(&mut rx).await,
        next(&mut rx).await,
        next(&mut rx).await,
    ]
    .iter()
    .map(|d| verified(&secret, d))
    .collect();
    assert!(
        bodies.iter().all(|b| *b == bodies[0]),
        "the same event each time"
    );
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(300), rx.recv())
            .await
            .is_err(),
        "no delivery after a 200"
    );
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
