//! End to end, business side: through the gateway wired to its emulator, a business with a US
//! and a foreign beneficial owner is created over gRPC, both owners' KYC and the business's KYB
//! run, and each outcome arrives on the event stream with the right subject.
use atelio_gateway::proto::v1 as pb;
use pb::beneficial_owner_service_client::BeneficialOwnerServiceClient;
use pb::business_service_client::BusinessServiceClient;
use pb::verification_event_service_client::VerificationEventServiceClient;

use super::e2e::{Events, next_event, start};
use crate::helpers::{emulator::PROGRAM, fixtures};

fn foreign_owner() -> pb::BeneficialOwner {
    let address = pb::Address {
        country: "CA".into(),
        state: "Ontario".into(),
        zip_code: "M5V 2T6".into(),
        ..fixtures::business_address()
    };
    pb::BeneficialOwner {
        first_name: "Grace".into(),
        last_name: "Hopper".into(),
        addresses: vec![address],
        ..fixtures::owner()
    }
}

async fn events(channel: &tonic::transport::Channel) -> Events {
    let from_now = pb::subscribe_verification_events_request::Start::FromNow(true);
    let req = pb::SubscribeVerificationEventsRequest {
        filter: None,
        start: Some(from_now),
    };
    VerificationEventServiceClient::new(channel.clone())
        .subscribe_verification_events(req)
        .await
        .expect("subscribe")
        .into_inner()
}

#[tokio::test]
async fn a_business_with_a_us_and_a_foreign_owner_runs_kyc_and_kyb() {
    let app = start().await;
    let mut stream = events(&app.channel).await;
    let business = pb::Business {
        ein: "11-1111111".into(),
        beneficial_owners: vec![fixtures::owner(), foreign_owner()],
        ..fixtures::business()
    };
    let created = BusinessServiceClient::new(app.channel.clone())
        .create_business(pb::CreateBusinessRequest {
            business: Some(business),
            request_id: "b-1".into(),
        })
        .await
        .expect("create business")
        .into_inner()
        .business
        .expect("business");
    let [us, foreign] = [0, 1].map(|i| created.beneficial_owners[i].beneficial_owner_id.clone());
    assert!(!us.is_empty() && !foreign.is_empty());
    let mut owners = BeneficialOwnerServiceClient::new(app.channel.clone());
    let kyc = |id: &str, residency: pb::Residency| pb::StartBeneficialOwnerKycRequest {
        business_id: created.business_id.clone(),
        beneficial_owner_id: id.into(),
        program_id: PROGRAM.into(),
        residency: residency as i32,
        ssn: "123-45-6789".into(),
        phone: "555-111-2222".into(),
        email: "owner@example.com".into(),
        ip: "192.168.1.10".into(),
        request_id: format!("kyc-{id}"),
        ..Default::default()
    };
    owners
        .start_beneficial_owner_kyc(kyc(&foreign, pb::Residency::Foreign))
        .await
        .expect("foreign kyc");
    let review = next_event(&mut stream).await;
    assert_eq!(
        review.kind,
        pb::VerificationEventKind::KycUnderReview as i32
    );
    assert_eq!(review.reasons_text, "Foreign Beneficial Owner");
    assert_eq!(
        review.subject,
        Some(pb::verification_event::Subject::BeneficialOwnerId(foreign))
    );
    owners
        .start_beneficial_owner_kyc(kyc(&us, pb::Residency::Us))
        .await
        .expect("us kyc");
    let passed = next_event(&mut stream).await;
    assert_eq!(passed.kind, pb::VerificationEventKind::KycSuccess as i32);
    assert_eq!(
        passed.subject,
        Some(pb::verification_event::Subject::BeneficialOwnerId(us))
    );

    let kyb = pb::StartKybRequest {
        business_id: created.business_id.clone(),
        program_id: PROGRAM.into(),
        request_id: "kyb-1".into(),
    };
    BusinessServiceClient::new(app.channel.clone())
        .start_kyb(kyb)
        .await
        .expect("kyb");
    assert_eq!(
        next_event(&mut stream).await.kind,
        pb::VerificationEventKind::KybInitiated as i32
    );
    let approved = next_event(&mut stream).await;
    assert_eq!(approved.kind, pb::VerificationEventKind::KybApproved as i32);
    assert_eq!(
        approved.subject,
        Some(pb::verification_event::Subject::BusinessId(
            created.business_id
        ))
    );
}

#[test]
fn the_demo_command_prints_the_whole_timeline_and_exits_0() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_atelio-gateway"))
        .arg("demo")
        .env_clear()
        .output()
        .expect("demo runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "KYC_DOCUMENT_REQUIRED",
        "SubmitCustomerKycDocuments",
        "KYC_UNDER_REVIEW",
        "KYC_SUCCESS",
        "Foreign Beneficial Owner",
        "KYB_APPROVED",
        "origin RECONCILED",
        "(max_staleness 60s: STATUS_SOURCE_MIRROR)",
        "done:",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    for personal in ["Nick", "nick@example.com", "1990-02-13", "555-111-2222"] {
        assert!(
            !text.contains(personal),
            "the demo printed personal data: {personal}"
        );
    }
}

#[tokio::test]
async fn a_masked_address_update_is_accepted_by_the_emulator() {
    let app = start().await;
    let mut c = BusinessServiceClient::new(app.channel.clone());
    let business = c
        .create_business(pb::CreateBusinessRequest {
            business: Some(fixtures::business()),
            request_id: "mu-1".into(),
        })
        .await
        .expect("business")
        .into_inner()
        .business
        .expect("business");
    let mut address = business.addresses[0].clone();
    address.city = "Dallas".into();
    let updated = c
        .update_business_address(pb::UpdateBusinessAddressRequest {
            business_id: business.business_id.clone(),
            address: Some(address),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["city".into()],
            }),
            request_id: "mu-2".into(),
        })
        .await
        .expect("Atelio gets a whole address, so it accepts the update")
        .into_inner()
        .address
        .expect("address");
    assert_eq!(
        (updated.city.as_str(), updated.street.as_str()),
        ("Dallas", business.addresses[0].street.as_str())
    );
}

#[tokio::test]
async fn listing_more_businesses_than_a_page_ends_after_each_was_seen_once() {
    let app = start().await;
    let mut c = BusinessServiceClient::new(app.channel.clone());
    for i in 0..25 {
        let business = pb::Business {
            legal_business_name: format!("Paged Co {i}"),
            ..fixtures::business()
        };
        let req = pb::CreateBusinessRequest {
            business: Some(business),
            request_id: format!("lp-{i}"),
        };
        c.create_business(req).await.expect("business");
    }
    let (mut seen, mut token, mut pages) = (Vec::new(), String::new(), 0);
    loop {
        let page = c
            .list_businesses(pb::ListBusinessesRequest {
                page_size: 10,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .expect("page")
            .into_inner();
        seen.extend(page.businesses.into_iter().map(|b| b.business_id));
        pages += 1;
        assert!(pages <= 5, "the listing must end");
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    let mut distinct = seen.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!((seen.len(), distinct.len()), (25, 25), "each business once");
}
