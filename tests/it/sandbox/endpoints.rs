//! The emulator's remaining endpoints, one walk each over HTTP: subscriptions list, update and
//! delete; business get, update, list filter and delete; business-address get and update;
//! beneficial-owner list, get, update and delete; BO addresses; an EIN left for manual review.
use serde_json::{Value, json};

use crate::helpers::emulator::{self, Emulator, PROGRAM};

fn address(street: &str, primary: bool) -> Value {
    json!({ "address_type": "MAILING", "street": street, "city": "Austin", "state": "TX", "zip_code": "73301",
            "country": "US", "is_primary": primary })
}

async fn business(emu: &Emulator, ein: &str) -> String {
    let body = json!({ "ein": ein, "legal_business_name": "Acme", "industry_type": "Other", "phone": "+14157485052",
                       "addresses": [address("1000 Main Street", true)] });
    let (code, b) = emu.call("POST", "/businesses/", Some(body)).await;
    assert_eq!(code, 201, "{b}");
    b["business_id"].as_str().expect("id").to_string()
}

#[tokio::test]
async fn subscriptions_are_listed_updated_and_deleted() {
    let emu = Emulator::start(emulator::config()).await;
    let (_, created) = emu
        .call(
            "POST",
            "/webhooks",
            Some(json!({ "url": "http://127.0.0.1:9/a", "events": ["kyc.*"] })),
        )
        .await;
    let id = created["webhook_subscription"]["id"].as_str().expect("id");
    let (code, patched) = emu
        .call(
            "PATCH",
            &format!("/webhooks/{id}"),
            Some(json!({ "events": ["kyb.*"], "status": "STATUS_DISABLED" })),
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(
        patched["webhook_subscription"]["events"],
        json!(["kyb.*"]),
        "PATCH replaces the list"
    );
    assert_eq!(patched["webhook_subscription"]["status"], "STATUS_DISABLED");
    let (_, all) = emu.call("GET", "/webhooks", None).await;
    assert_eq!(
        all["webhook_subscriptions"].as_array().map(Vec::len),
        Some(1)
    );
    let (code, gone) = emu.call("DELETE", &format!("/webhooks/{id}"), None).await;
    assert_eq!(
        (code, gone["webhook_subscription"]["id"].as_str()),
        (200, Some(id))
    );
    let (code, err) = emu.call("DELETE", &format!("/webhooks/{id}"), None).await;
    assert_eq!((code, err["Code"].as_str()), (404, Some("webhooks_err")));
    let (code, err) = emu
        .call(
            "POST",
            "/webhooks",
            Some(json!({ "url": "http://127.0.0.1:9/a" })),
        )
        .await;
    assert_eq!((code, err["Code"].as_str()), (400, Some("webhooks_err")));
}

#[tokio::test]
async fn businesses_are_read_updated_filtered_and_deleted() {
    let emu = Emulator::start(emulator::config()).await;
    let id = business(&emu, "12-3456789").await;
    let (code, got) = emu.call("GET", &format!("/businesses/{id}"), None).await;
    assert_eq!((code, got["ein"].as_str()), (200, Some("12-3456789")));
    let (code, patched) = emu
        .call(
            "PATCH",
            &format!("/businesses/{id}"),
            Some(json!({ "website": "www.acme.com" })),
        )
        .await;
    assert_eq!(
        (code, patched["website"].as_str()),
        (200, Some("www.acme.com"))
    );
    let (code, err) = emu
        .call(
            "PATCH",
            &format!("/businesses/{id}"),
            Some(json!({ "ein": "12345" })),
        )
        .await;
    assert_eq!(
        (code, err["Code"].as_str()),
        (400, Some("edit_business_schema"))
    );
    emu.call(
        "POST",
        &format!("/businesses/{id}/verification-kyb"),
        Some(json!({ "program_id": PROGRAM })),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let (_, kyb) = emu
        .call("GET", &format!("/businesses/{id}/verification-kyb"), None)
        .await;
    assert_eq!(
        kyb["kyb_status"], "under review",
        "any other EIN waits for a manual decision"
    );
    let (_, filtered) = emu
        .call("GET", "/businesses?kyb_status=under+review", None)
        .await;
    assert_eq!(filtered.as_array().map(Vec::len), Some(1));
    let (_, none) = emu
        .call("GET", "/businesses?kyb_status=Approved", None)
        .await;
    assert_eq!(none.as_array().map(Vec::len), Some(0));
    let (code, _) = emu.call("DELETE", &format!("/businesses/{id}"), None).await;
    assert_eq!(code, 204);
    let (code, err) = emu.call("GET", &format!("/businesses/{id}"), None).await;
    assert_eq!((code, err["Code"].as_str()), (404, Some("business_dne")));
}

#[tokio::test]
async fn addresses_of_businesses_and_owners_are_read_and_replaced() {
    let emu = Emulator::start(emulator::config()).await;
    let id = business(&emu, "12-3456789").await;
    let (_, list) = emu
        .call(
            "GET",
            &format!("/businesses/{id}/addresses?page=1&page_size=5"),
            None,
        )
        .await;
    let address_id = list["data"][0]["address_id"]
        .as_str()
        .expect("id")
        .to_string();
    let one = format!("/businesses/{id}/addresses/{address_id}");
    assert_eq!(
        emu.call("GET", &one, None).await.1["street"],
        "1000 Main Street"
    );
    let (code, replaced) = emu
        .call("PATCH", &one, Some(address("2000 Oak Avenue", true)))
        .await;
    assert_eq!(
        (
            code,
            replaced["street"].as_str(),
            replaced["address_id"].as_str()
        ),
        (200, Some("2000 Oak Avenue"), Some(address_id.as_str()))
    );
    let (code, err) = emu
        .call("PATCH", &one, Some(json!({ "street": "x" })))
        .await;
    assert_eq!((code, err["Code"].as_str()), (400, Some("input_error")));

    let owner = json!({ "first_name": "Ada", "last_name": "Lovelace", "dob": "1985-12-10", "addresses": [address("1000 Main Street", true)] });
    let (_, o) = emu
        .call(
            "POST",
            &format!("/businesses/{id}/beneficial_owners"),
            Some(owner),
        )
        .await;
    let oid = o["beneficial_owner_id"].as_str().expect("id");
    let base = format!("/businesses/{id}/beneficial_owners/{oid}/addresses");
    let (code, added) = emu
        .call("POST", &base, Some(address("3000 Pine Road", false)))
        .await;
    assert_eq!(code, 201);
    let (_, all) = emu.call("GET", &base, None).await;
    assert_eq!(all["page_info"]["page"], 1);
    assert_eq!(all["data"].as_array().map(Vec::len), Some(2));
    let aid = added["address_id"].as_str().expect("id");
    assert_eq!(
        emu.call("GET", &format!("{base}/{aid}"), None).await.1["street"],
        "3000 Pine Road"
    );
    assert_eq!(
        emu.call(
            "PATCH",
            &format!("{base}/{aid}"),
            Some(address("4000 Elm Street", false))
        )
        .await
        .0,
        200
    );
    let (code, gone) = emu.call("DELETE", &format!("{base}/{aid}"), None).await;
    assert_eq!(
        (code, gone["street"].as_str()),
        (200, Some("4000 Elm Street"))
    );
}

#[tokio::test]
async fn owners_are_listed_read_updated_and_deleted() {
    let emu = Emulator::start(emulator::config()).await;
    let id = business(&emu, "12-3456789").await;
    let owner = json!({ "first_name": "Ada", "last_name": "Lovelace", "dob": "1985-12-10", "addresses": [address("1000 Main Street", true)] });
    let (_, o) = emu
        .call(
            "POST",
            &format!("/businesses/{id}/beneficial_owners"),
            Some(owner),
        )
        .await;
    let oid = o["beneficial_owner_id"].as_str().expect("id");
    let (_, list) = emu
        .call("GET", &format!("/businesses/{id}/beneficial_owners"), None)
        .await;
    assert_eq!(list["data"][0]["beneficial_owner_id"], oid);
    let one = format!("/businesses/{id}/beneficial_owners/{oid}");
    let (code, patched) = emu
        .call("PATCH", &one, Some(json!({ "middle_name": "King" })))
        .await;
    assert_eq!((code, patched["middle_name"].as_str()), (200, Some("King")));
    assert_eq!(emu.call("GET", &one, None).await.1["middle_name"], "King");
    let (code, gone) = emu.call("DELETE", &one, None).await;
    assert_eq!(code, 200);
    assert!(gone["date_deleted"].is_string() && gone["address"][0]["date_deleted"].is_string());
    let (code, err) = emu.call("GET", &one, None).await;
    assert_eq!(
        (code, err["Code"].as_str()),
        (404, Some("beneficial_owner_dne"))
    );
}
