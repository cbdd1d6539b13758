//! The emulator's business side over HTTP: businesses with nested owners, business addresses
//! (the last/primary one stays), KYB with the sandbox EINs and its history, beneficial owners
//! (stringified-dict schema errors) and their KYC, a foreign owner going to manual review.
use serde_json::{Value, json};

use super::api::{subscribed, verified};
use crate::helpers::emulator::{self, Emulator, PROGRAM, next};

fn address(primary: bool, country: &str) -> Value {
    let (state, zip) = if country == "US" {
        ("CA", "94104")
    } else {
        ("Ontario", "M5V 2T6")
    };
    json!({ "address_type": "PHYSICAL", "street": "345 California St", "city": "Springfield", "state": state,
            "zip_code": zip, "country": country, "is_primary": primary })
}

fn owner(country: &str) -> Value {
    json!({ "first_name": "Ada", "last_name": "Lovelace", "dob": "1985-12-10", "addresses": [address(true, country)] })
}

async fn business(emu: &Emulator, ein: &str) -> Value {
    let body = json!({ "ein": ein, "legal_business_name": "Acme Robotics", "industry_type": "Technology",
                       "phone": "+14157485052", "addresses": [address(true, "US")], "beneficial_owners": [owner("US")] });
    let (status, b) = emu.call("POST", "/businesses", Some(body)).await;
    assert_eq!(status, 201, "{b}");
    b
}

#[tokio::test]
async fn kyb_follows_the_sandbox_eins_and_keeps_a_history() {
    let emu = Emulator::start(emulator::config()).await;
    let (secret, mut rx) = subscribed(&emu, &[]).await;
    let approved = business(&emu, "11-1111111").await;
    assert!(approved["beneficial_owners"][0]["beneficial_owner_id"].is_string());
    assert!(
        approved["beneficial_owners"][0]["addresses"].is_array(),
        "nested owners use `addresses`"
    );
    let id = approved["business_id"].as_str().expect("id");
    let (code, started) = emu
        .call(
            "POST",
            &format!("/businesses/{id}/verification-kyb"),
            Some(json!({ "program_id": PROGRAM })),
        )
        .await;
    assert_eq!(
        (code, started["kyb_status"].as_str()),
        (201, Some("initiated"))
    );
    assert_eq!(
        verified(&secret, &next(&mut rx).await)["event"],
        "kyb.verification.initiated"
    );
    let done = verified(&secret, &next(&mut rx).await);
    assert_eq!(
        (done["event"].as_str(), done["business_id"].as_str()),
        (Some("kyb.verification.approved"), Some(id))
    );
    let (_, status) = emu
        .call("GET", &format!("/businesses/{id}/verification-kyb"), None)
        .await;
    assert_eq!(status["kyb_status"], "approved");
    let (_, history) = emu
        .call(
            "GET",
            &format!("/businesses/{id}/kyb-history?page=1&count=10"),
            None,
        )
        .await;
    assert_eq!(history["page_info"]["pages"], 1);
    assert_eq!(history["data"].as_array().map(Vec::len), Some(2));

    let rejected = business(&emu, "22-2222222").await;
    let id = rejected["business_id"].as_str().expect("id");
    emu.call(
        "POST",
        &format!("/businesses/{id}/verification-kyb"),
        Some(json!({ "program_id": PROGRAM })),
    )
    .await;
    next(&mut rx).await;
    let done = verified(&secret, &next(&mut rx).await);
    assert_eq!(done["event"], "kyb.verification.rejected");
    assert_eq!(done["details"][0]["code"], "rejected_tin");
}

#[tokio::test]
async fn a_business_keeps_its_primary_address() {
    let emu = Emulator::start(emulator::config()).await;
    let b = business(&emu, "12-3456789").await;
    let id = b["business_id"].as_str().expect("id");
    let primary = b["addresses"][0]["address_id"]
        .as_str()
        .expect("address id");
    let (code, err) = emu
        .call(
            "DELETE",
            &format!("/businesses/{id}/addresses/{primary}"),
            None,
        )
        .await;
    assert_eq!(
        (code, err["Code"].as_str()),
        (400, Some("business_address_del_err"))
    );
    let (code, added) = emu
        .call(
            "POST",
            &format!("/businesses/{id}/addresses"),
            Some(address(false, "US")),
        )
        .await;
    assert_eq!(code, 201);
    let (_, list) = emu
        .call("GET", &format!("/businesses/{id}/addresses"), None)
        .await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(2));
    let second = added["address_id"].as_str().expect("id");
    let (code, gone) = emu
        .call(
            "DELETE",
            &format!("/businesses/{id}/addresses/{second}"),
            None,
        )
        .await;
    assert_eq!(code, 200);
    assert!(gone["date_deleted"].is_string());
}

#[tokio::test]
async fn owners_validate_like_atelio_and_a_foreign_owner_goes_to_manual_review() {
    let emu = Emulator::start(emulator::config()).await;
    let (secret, mut rx) = subscribed(&emu, &[]).await;
    let b = business(&emu, "12-3456789").await;
    let id = b["business_id"].as_str().expect("id");
    let path = format!("/businesses/{id}/beneficial_owners");
    let mut bad = owner("US");
    bad.as_object_mut().expect("object").remove("last_name");
    let (code, err) = emu.call("POST", &path, Some(bad)).await;
    assert_eq!(
        (code, err["Code"].as_str()),
        (400, Some("create_beneficial_owner_schema"))
    );
    assert!(
        err["Message"]
            .as_str()
            .is_some_and(|m| m.contains("'last_name'")),
        "a stringified dict: {err}"
    );
    let (code, foreign) = emu.call("POST", &path, Some(owner("CA"))).await;
    assert_eq!(code, 201);
    assert!(
        foreign["address"].is_array(),
        "standalone owners use `address`"
    );
    let owner_id = foreign["beneficial_owner_id"].as_str().expect("id");
    let kyc = format!("{path}/{owner_id}/verification-kyc");
    let (code, started) = emu
        .call("POST", &kyc, Some(json!({ "program_id": PROGRAM })))
        .await;
    assert_eq!(
        (code, started["kyc_status"].as_str()),
        (201, Some("initialized")),
        "a foreign owner needs no SSN"
    );
    let event = verified(&secret, &next(&mut rx).await);
    assert_eq!(event["event"], "kyc.verification.under_review");
    assert_eq!(event["reasons"], "Foreign Beneficial Owner");
    assert_eq!(event["beneficial_owner_id"], owner_id);

    let us = b["beneficial_owners"][0]["beneficial_owner_id"]
        .as_str()
        .expect("id");
    let us_kyc = format!("{path}/{us}/verification-kyc");
    let (code, err) = emu
        .call("POST", &us_kyc, Some(json!({ "program_id": PROGRAM })))
        .await;
    assert_eq!(
        (code, err["Code"].as_str()),
        (400, Some("create_kyc_schema")),
        "a US owner must give ssn, phone, email"
    );
    let body = json!({ "program_id": PROGRAM, "ssn": "123-45-6789", "phone": "555-111-2222", "email": "ada@example.com" });
    assert_eq!(emu.call("POST", &us_kyc, Some(body)).await.0, 201);
    assert_eq!(
        verified(&secret, &next(&mut rx).await)["event"],
        "kyc.verification.success"
    );
    let (_, status) = emu
        .call("GET", &format!("{us_kyc}?program_id={PROGRAM}"), None)
        .await;
    assert_eq!(status["kyc_status"], "passed");
}
