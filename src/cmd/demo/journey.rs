//! The demo's scripted journey: a customer whose SSN asks for documents, then a business with a
//! US and a foreign beneficial owner and a KYB; each step waits for the event it causes
//! (`lost` adds the step where every webhook is lost).
use tokio::sync::mpsc;
use tonic::transport::Channel;

use super::{PROGRAM, Timeline};
use crate::proto::v1 as pb;
use pb::VerificationEventKind as Kind;
use pb::verification_event::Subject;

pub struct Journey {
    pub channel: Channel,
    pub events: mpsc::UnboundedReceiver<pb::VerificationEvent>,
    pub timeline: Timeline,
}

/// One event as a timeline line.
pub fn describe(e: &pb::VerificationEvent) -> String {
    let kind = Kind::try_from(e.kind).map_or("UNKNOWN".into(), |k| {
        k.as_str_name()
            .trim_start_matches("VERIFICATION_EVENT_KIND_")
            .to_string()
    });
    let subject = match &e.subject {
        Some(Subject::CustomerId(id)) => format!("customer {id}"),
        Some(Subject::BeneficialOwnerId(id)) => format!("beneficial owner {id}"),
        Some(Subject::BusinessId(id)) => format!("business {id}"),
        None => "no subject".into(),
    };
    let mut line = format!("{kind:<24} {subject}  (cursor {})", e.cursor);
    if e.origin() == pb::EventOrigin::Reconciled {
        line.push_str("  origin RECONCILED: no webhook came, reconciliation read it");
    }
    if !e.documents.is_empty() {
        let docs: Vec<&str> = e
            .documents
            .iter()
            .map(|d| d.document_type.as_str())
            .collect();
        line.push_str(&format!(
            "\n{:>12}documents requested: {}",
            "",
            docs.join(", ")
        ));
    }
    if !e.reasons_text.is_empty() {
        line.push_str(&format!("\n{:>12}reasons: {}", "", e.reasons_text));
    }
    line
}

fn address(country: &str) -> pb::Address {
    let (state, zip) = if country == "US" {
        ("TX", "73301")
    } else {
        ("Ontario", "M5V 2T6")
    };
    pb::Address {
        address_type: pb::AddressType::Physical as i32,
        street: "1000 Main Street".into(),
        city: "Austin".into(),
        state: state.into(),
        zip_code: zip.into(),
        country: country.into(),
        is_primary: true,
        ..Default::default()
    }
}

/// The demo's customer with this SSN (a sandbox trigger value).
pub fn demo_customer(ssn: &str) -> pb::Customer {
    pb::Customer {
        first_name: "Nick".into(),
        last_name: "Example".into(),
        dob: "1990-02-13".into(),
        ssn: ssn.into(),
        email: "nick@example.com".into(),
        addresses: vec![address("US")],
        ..Default::default()
    }
}

fn person(first: &str, country: &str) -> pb::BeneficialOwner {
    pb::BeneficialOwner {
        first_name: first.into(),
        last_name: "Example".into(),
        dob: "1980-05-17".into(),
        addresses: vec![address(country)],
        ..Default::default()
    }
}

fn image(name: &str) -> Option<pb::DocumentImage> {
    Some(pb::DocumentImage {
        file_name: name.into(),
        image: b"demo image bytes".to_vec(),
    })
}

pub fn failed(step: &str) -> impl Fn(tonic::Status) -> String + '_ {
    move |s| format!("{step}: {} {}", s.code(), s.message())
}

impl Journey {
    pub async fn expect(&mut self, kind: Kind) -> Result<pb::VerificationEvent, String> {
        let e = self.events.recv().await.ok_or("the event stream ended")?;
        if e.kind == kind as i32 {
            Ok(e)
        } else {
            Err(format!(
                "expected {}, got {}",
                kind.as_str_name(),
                describe(&e)
            ))
        }
    }

    pub async fn run(&mut self) -> Result<(), String> {
        self.customer().await?;
        self.business().await
    }

    async fn customer(&mut self) -> Result<(), String> {
        let mut customers =
            pb::customer_service_client::CustomerServiceClient::new(self.channel.clone());
        let c = demo_customer("111-11-1111");
        let created = customers
            .create_customer(pb::CreateCustomerRequest {
                customer: Some(c),
                request_id: "demo-customer".into(),
            })
            .await
            .map_err(failed("CreateCustomer"))?
            .into_inner();
        let id = created.customer.map(|c| c.customer_id).unwrap_or_default();
        self.timeline.say(&format!("CreateCustomer          customer {id} (SSN 111-11-1111: the sandbox asks for documents)"));
        let start = pb::StartCustomerKycRequest {
            customer_id: id.clone(),
            program_id: PROGRAM.into(),
            request_id: "demo-kyc".into(),
            ..Default::default()
        };
        let s = customers
            .start_customer_kyc(start)
            .await
            .map_err(failed("StartCustomerKyc"))?
            .into_inner();
        self.timeline
            .say(&format!("StartCustomerKyc        {}", s.kyc_status_raw));
        self.expect(Kind::KycDocumentRequired).await?;
        let docs = pb::SubmitCustomerKycDocumentsRequest {
            customer_id: id.clone(),
            government_id: Some(pb::GovernmentIdDocument {
                r#type: pb::GovernmentIdType::Passport as i32,
                country: "US".into(),
                front_image: image("passport.jpg"),
                back_image: None,
            }),
            social_security_card: image("ssn-card.jpg"),
            ..Default::default()
        };
        let up = customers
            .submit_customer_kyc_documents(docs)
            .await
            .map_err(failed("SubmitCustomerKycDocuments"))?
            .into_inner();
        self.timeline.say(&format!(
            "SubmitCustomerKycDocuments  {} documents",
            up.num_documents_submitted
        ));
        self.expect(Kind::KycUnderReview).await?;
        self.expect(Kind::KycSuccess).await?;
        let status = pb::GetCustomerKycStatusRequest {
            customer_id: id,
            program_id: PROGRAM.into(),
            max_staleness: None,
        };
        let v = customers
            .get_customer_kyc_status(status)
            .await
            .map_err(failed("GetCustomerKycStatus"))?
            .into_inner();
        self.timeline.say(&format!(
            "GetCustomerKycStatus    {}",
            v.verification.map(|v| v.kyc_status_raw).unwrap_or_default()
        ));
        Ok(())
    }

    async fn business(&mut self) -> Result<(), String> {
        let b = pb::Business {
            ein: "11-1111111".into(),
            legal_business_name: "Example Robotics".into(),
            industry_type: pb::IndustryType::Technology as i32,
            phone: "+14157485052".into(),
            addresses: vec![address("US")],
            beneficial_owners: vec![person("Ada", "US"), person("Grace", "CA")],
            ..Default::default()
        };
        let created = pb::business_service_client::BusinessServiceClient::new(self.channel.clone())
            .create_business(pb::CreateBusinessRequest {
                business: Some(b),
                request_id: "demo-business".into(),
            })
            .await
            .map_err(failed("CreateBusiness"))?
            .into_inner()
            .business
            .unwrap_or_default();
        self.timeline.say(&format!(
            "CreateBusiness          business {} with a US and a foreign (CA) owner",
            created.business_id
        ));
        let mut owners = pb::beneficial_owner_service_client::BeneficialOwnerServiceClient::new(
            self.channel.clone(),
        );
        for (i, residency, expect) in [
            (0, pb::Residency::Us, Kind::KycSuccess),
            (1, pb::Residency::Foreign, Kind::KycUnderReview),
        ] {
            let id = created
                .beneficial_owners
                .get(i)
                .map(|o| o.beneficial_owner_id.clone())
                .unwrap_or_default();
            let req = pb::StartBeneficialOwnerKycRequest {
                business_id: created.business_id.clone(),
                beneficial_owner_id: id.clone(),
                program_id: PROGRAM.into(),
                residency: residency as i32,
                ssn: "123-45-6789".into(),
                phone: "555-111-2222".into(),
                email: "owner@example.com".into(),
                ip: "192.168.1.10".into(),
                request_id: format!("demo-owner-{i}"),
                ..Default::default()
            };
            let s = owners
                .start_beneficial_owner_kyc(req)
                .await
                .map_err(failed("StartBeneficialOwnerKyc"))?
                .into_inner();
            self.timeline.say(&format!(
                "StartBeneficialOwnerKyc beneficial owner {id}: {}",
                s.kyc_status_raw
            ));
            self.expect(expect).await?;
        }
        let kyb = pb::StartKybRequest {
            business_id: created.business_id.clone(),
            program_id: PROGRAM.into(),
            request_id: "demo-kyb".into(),
        };
        pb::business_service_client::BusinessServiceClient::new(self.channel.clone())
            .start_kyb(kyb)
            .await
            .map_err(failed("StartKyb"))?;
        self.timeline
            .say("StartKyb                EIN 11-1111111: the sandbox approves");
        self.expect(Kind::KybInitiated).await?;
        self.expect(Kind::KybApproved).await?;
        Ok(())
    }
}
