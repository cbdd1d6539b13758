//! Every quirk mode of the emulator, end to end through the gateway: the documentation's
//! inconsistencies (docs/reference/atelio-api.md §6) reach the gateway from a real upstream, and what a client sees
//! over gRPC is the same normalised answer as without them.
use atelio_gateway::proto::v1 as pb;
use atelio_gateway::sandbox::{Quirks, SandboxConfig, TimestampStyle};
use pb::beneficial_owner_service_client::BeneficialOwnerServiceClient;
use pb::business_service_client::BusinessServiceClient;
use pb::customer_service_client::CustomerServiceClient;
use pb::verification_event_service_client::VerificationEventServiceClient;
use serde_json::json;

use super::e2e::{Events, Running, next_event, start_with};
use crate::helpers::{emulator, fixtures};

fn quirky(quirks: Quirks) -> SandboxConfig {
    SandboxConfig {
        quirks,
        ..emulator::config()
    }
}

async fn subscribe(app: &Running) -> Events {
    let from_now = pb::subscribe_verification_events_request::Start::FromNow(true);
    let req = pb::SubscribeVerificationEventsRequest {
        filter: None,
        start: Some(from_now),
    };
    VerificationEventServiceClient::new(app.channel.clone())
        .subscribe_verification_events(req)
        .await
        .expect("subscribe")
        .into_inner()
}

/// Creates a customer with `ssn` and starts its KYC; returns its id.
async fn customer_kyc(app: &Running, ssn: &str) -> String {
    let mut customers = CustomerServiceClient::new(app.channel.clone());
    let c = pb::Customer {
        ssn: ssn.into(),
        ..fixtures::customer()
    };
    let created = customers
        .create_customer(pb::CreateCustomerRequest {
            customer: Some(c),
            request_id: format!("c-{ssn}"),
        })
        .await
        .expect("create");
    let id = created.into_inner().customer.expect("customer").customer_id;
    let kyc = pb::StartCustomerKycRequest {
        customer_id: id.clone(),
        program_id: emulator::PROGRAM.into(),
        request_id: format!("k-{ssn}"),
        ..Default::default()
    };
    customers.start_customer_kyc(kyc).await.expect("start kyc");
    id
}

#[tokio::test]
async fn every_timestamp_form_is_read_as_the_same_instant() {
    for style in TimestampStyle::ALL {
        let app = start_with(quirky(Quirks {
            timestamps: style,
            ..Default::default()
        }))
        .await;
        let mut events = subscribe(&app).await;
        customer_kyc(&app, "123-45-6789").await;
        let e = next_event(&mut events).await;
        let at = e
            .occurred_at
            .unwrap_or_else(|| panic!("{style:?}: occurred_at {:?} not read", e.occurred_at_raw));
        let skew = (chrono::Utc::now().timestamp() - at.seconds).abs();
        assert!(
            skew <= 60,
            "{style:?}: {} read {skew} s away from now",
            e.occurred_at_raw
        );
    }
}

#[tokio::test]
async fn documents_required_is_the_same_kind_as_document_required() {
    let app = start_with(quirky(Quirks {
        documents_required: true,
        ..Default::default()
    }))
    .await;
    let mut events = subscribe(&app).await;
    customer_kyc(&app, "333-33-3333").await;
    let e = next_event(&mut events).await;
    assert_eq!(e.event_name, "kyc.verification.documents_required");
    assert_eq!(
        e.kind,
        pb::VerificationEventKind::KycDocumentRequired as i32
    );
}

#[tokio::test]
async fn failure_reasons_as_a_string_are_kept_as_text() {
    let app = start_with(quirky(Quirks {
        reasons_string: true,
        ..Default::default()
    }))
    .await;
    let mut events = subscribe(&app).await;
    let id = customer_kyc(&app, "000-00-0000").await;
    assert_eq!(
        next_event(&mut events).await.kind,
        pb::VerificationEventKind::KycUnderReview as i32
    );
    let fail = reqwest::Client::new()
        .post(format!("{}/simulate/kyc-fail", app.emulator_url))
        .header("Identity", emulator::IDENTITY)
        .header("Authorization", emulator::AUTHORIZATION)
        .json(&json!({ "customer_id": id, "program_id": emulator::PROGRAM }))
        .send()
        .await
        .expect("simulate");
    assert_eq!(fail.status(), 200);
    let e = next_event(&mut events).await;
    assert_eq!(e.kind, pb::VerificationEventKind::KycFailure as i32);
    assert_eq!(e.reasons_text, "bureau failed");
}

async fn business_with_owner(app: &Running) -> (String, String) {
    let b = pb::Business {
        beneficial_owners: vec![fixtures::owner()],
        ..fixtures::business()
    };
    let created = BusinessServiceClient::new(app.channel.clone())
        .create_business(pb::CreateBusinessRequest {
            business: Some(b),
            request_id: "b-q".into(),
        })
        .await
        .expect("create business")
        .into_inner()
        .business
        .expect("business");
    (
        created.business_id,
        created.beneficial_owners[0].beneficial_owner_id.clone(),
    )
}

#[tokio::test]
async fn an_owner_event_naming_customer_id_still_carries_the_owner() {
    let app = start_with(quirky(Quirks {
        owner_customer_id: true,
        ..Default::default()
    }))
    .await;
    let mut events = subscribe(&app).await;
    let (business, owner) = business_with_owner(&app).await;
    let req = pb::StartBeneficialOwnerKycRequest {
        business_id: business,
        beneficial_owner_id: owner.clone(),
        program_id: emulator::PROGRAM.into(),
        residency: pb::Residency::Us as i32,
        ssn: "333-33-3333".into(),
        phone: "555-111-2222".into(),
        email: "owner@example.com".into(),
        ip: "192.168.1.10".into(),
        request_id: "bo-q".into(),
        ..Default::default()
    };
    BeneficialOwnerServiceClient::new(app.channel.clone())
        .start_beneficial_owner_kyc(req)
        .await
        .expect("kyc");
    let e = next_event(&mut events).await;
    assert_eq!(
        e.kind,
        pb::VerificationEventKind::KycDocumentRequired as i32
    );
    assert_eq!(
        e.subject,
        Some(pb::verification_event::Subject::BeneficialOwnerId(owner)),
        "an id the gateway has seen as an owner is filed as the owner's, whichever key Atelio used"
    );
}

#[tokio::test]
async fn bare_array_lists_page_like_enveloped_ones() {
    let app = start_with(quirky(Quirks {
        bare_lists: true,
        ..Default::default()
    }))
    .await;
    let (business, owner) = business_with_owner(&app).await;
    let list = pb::ListBeneficialOwnersRequest {
        business_id: business.clone(),
        ..Default::default()
    };
    let owners = BeneficialOwnerServiceClient::new(app.channel.clone())
        .list_beneficial_owners(list)
        .await
        .expect("list")
        .into_inner();
    assert_eq!(
        owners
            .beneficial_owners
            .iter()
            .map(|o| o.beneficial_owner_id.clone())
            .collect::<Vec<_>>(),
        [owner]
    );
    let list = pb::ListBusinessAddressesRequest {
        business_id: business,
        ..Default::default()
    };
    let addresses = BusinessServiceClient::new(app.channel.clone())
        .list_business_addresses(list)
        .await
        .expect("list")
        .into_inner();
    assert_eq!(addresses.addresses.len(), 1);
}

#[tokio::test]
async fn an_error_message_as_a_dict_still_maps_to_the_right_status() {
    let app = start_with(quirky(Quirks {
        message_dict: true,
        ..Default::default()
    }))
    .await;
    let missing = pb::GetCustomerRequest {
        customer_id: "6f1d2c3b-4a5e-4f6a-8b7c-9d0e1f2a3b4c".into(),
    };
    let err = CustomerServiceClient::new(app.channel.clone())
        .get_customer(missing)
        .await
        .expect_err("unknown customer");
    assert_eq!(err.code(), tonic::Code::NotFound, "{err:?}");
}

#[tokio::test]
async fn the_response_quirks_do_rewrite_the_emulators_answers() {
    let quirks = Quirks {
        bare_lists: true,
        message_dict: true,
        ..Default::default()
    };
    let emu = emulator::Emulator::start(quirky(quirks)).await;
    let (_, err) = emu
        .call(
            "GET",
            "/customers/6f1d2c3b-4a5e-4f6a-8b7c-9d0e1f2a3b4c",
            None,
        )
        .await;
    assert_eq!(
        err["Message"],
        json!({ "error": ["Customer does not exist"] })
    );
    let body = json!({ "ein": "12-3456789", "legal_business_name": "Acme", "industry_type": "Other",
        "addresses": [{ "address_type": "PHYSICAL", "street": "345 California St", "city": "Austin", "state": "TX", "zip_code": "73301", "country": "US", "is_primary": true }] });
    let (_, b) = emu.call("POST", "/businesses", Some(body)).await;
    let (_, list) = emu
        .call(
            "GET",
            &format!(
                "/businesses/{}/addresses",
                b["business_id"].as_str().expect("id")
            ),
            None,
        )
        .await;
    assert!(list.is_array(), "a bare array: {list}");
}
