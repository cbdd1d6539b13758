//! The demo's last step: every webhook is lost from here on (the emulator's
//! `--sandbox-webhook-loss-rate 1.0`), yet a passed KYC still reaches the subscriber, relayed by
//! reconciliation (origin RECONCILED); a status read with `max_staleness` then comes from the
//! mirror with no call to Atelio.
use super::PROGRAM;
use super::journey::{Journey, describe, failed};
use crate::proto::v1 as pb;
use crate::sandbox::{Faults, SandboxHandle};
use pb::VerificationEventKind as Kind;

/// Runs the step on `journey`'s connection, with `sandbox`'s fault switch.
pub async fn run(journey: &mut Journey, sandbox: &SandboxHandle) -> Result<(), String> {
    sandbox.set_faults(Faults {
        webhook_loss_rate: 1.0,
        ..Faults::default()
    });
    let t = &journey.timeline;
    t.say("(every webhook is lost from now on: --sandbox-webhook-loss-rate 1.0)");
    let mut customers =
        pb::customer_service_client::CustomerServiceClient::new(journey.channel.clone());
    let created = customers
        .create_customer(pb::CreateCustomerRequest {
            customer: Some(super::journey::demo_customer("123-45-6789")),
            request_id: "demo-customer-2".into(),
        })
        .await
        .map_err(failed("CreateCustomer"))?
        .into_inner();
    let id = created.customer.map(|c| c.customer_id).unwrap_or_default();
    t.say(&format!(
        "CreateCustomer          customer {id} (SSN 123-45-6789: passes)"
    ));
    let start = pb::StartCustomerKycRequest {
        customer_id: id.clone(),
        program_id: PROGRAM.into(),
        request_id: "demo-kyc-2".into(),
        ..Default::default()
    };
    let s = customers
        .start_customer_kyc(start)
        .await
        .map_err(failed("StartCustomerKyc"))?
        .into_inner();
    t.say(&format!("StartCustomerKyc        {}", s.kyc_status_raw));
    // Other verifications still running may settle meanwhile (reconciled as well): skip them.
    let mine = Some(pb::verification_event::Subject::CustomerId(id.clone()));
    let e = loop {
        let e = journey
            .events
            .recv()
            .await
            .ok_or("the event stream ended")?;
        if e.subject == mine {
            break e;
        }
    };
    if e.kind() != Kind::KycSuccess || e.origin() != pb::EventOrigin::Reconciled {
        return Err(format!(
            "expected a reconciled KYC_SUCCESS, got {}",
            describe(&e)
        ));
    }
    let read = pb::GetCustomerKycStatusRequest {
        customer_id: id,
        program_id: PROGRAM.into(),
        max_staleness: Some(prost_types::Duration {
            seconds: 60,
            nanos: 0,
        }),
    };
    let v = customers
        .get_customer_kyc_status(read)
        .await
        .map_err(failed("GetCustomerKycStatus"))?
        .into_inner();
    let source = v.provenance.map_or("?", |p| p.source().as_str_name());
    let state = v.verification.map(|v| v.kyc_status_raw).unwrap_or_default();
    journey.timeline.say(&format!(
        "GetCustomerKycStatus    {state} (max_staleness 60s: {source})"
    ));
    Ok(())
}
