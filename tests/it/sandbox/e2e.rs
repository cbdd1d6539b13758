//! End to end on one machine: the gateway wired to its own Atelio emulator exactly as
//! `serve --sandbox` does, driven over real gRPC. A customer's KYC with a document-requesting SSN
//! is started, every relayed event is read from the subscription stream, documents are uploaded,
//! and the outcome arrives: the emulator's signed webhooks went through the real webhook path.
use std::time::Duration;

use atelio_gateway::app::sandboxed;
use atelio_gateway::proto::v1 as pb;
use pb::customer_service_client::CustomerServiceClient;
use pb::verification_event_service_client::VerificationEventServiceClient;
use tokio_stream::StreamExt;
use tonic::transport::Channel;

use crate::helpers::{emulator, fixtures, test_config};

pub(crate) struct Running {
    pub(crate) channel: Channel,
    pub(crate) emulator_url: String,
    pub(crate) grpc_addr: std::net::SocketAddr,
    _stop: tokio::sync::oneshot::Sender<()>,
}

pub(crate) async fn start() -> Running {
    start_with(emulator::config()).await
}

/// The wired pair with an emulator configuration of the test's choosing.
pub(crate) async fn start_with(emu: atelio_gateway::sandbox::SandboxConfig) -> Running {
    start_with_config(emu, |_| {}).await
}

/// Same, with a gateway config adjustment.
pub(crate) async fn start_with_config(
    emu: atelio_gateway::sandbox::SandboxConfig,
    adjust: impl FnOnce(&mut atelio_gateway::config::Config),
) -> Running {
    let mut cfg = test_config("http://127.0.0.1:9/unused");
    adjust(&mut cfg);
    let wired = sandboxed::build(cfg, emu, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("wired");
    let addr = wired.app.grpc_addr();
    let emulator_url = wired.sandbox.base_url();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(wired.app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let channel = Channel::from_shared(format!("http://{addr}"))
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    Running {
        channel,
        emulator_url,
        grpc_addr: addr,
        _stop: stop,
    }
}

pub(crate) type Events = tonic::Streaming<pb::SubscribeVerificationEventsResponse>;

pub(crate) async fn next_event(stream: &mut Events) -> pb::VerificationEvent {
    loop {
        let item = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("an event within 10 s");
        let item = item.expect("stream open").expect("no error");
        if let Some(pb::subscribe_verification_events_response::Item::Event(e)) = item.item {
            return e;
        }
    }
}

fn image() -> Option<pb::DocumentImage> {
    Some(pb::DocumentImage {
        file_name: "front.jpg".into(),
        image: b"jpeg bytes".to_vec(),
    })
}

#[tokio::test]
async fn a_customer_kyc_journey_runs_through_gateway_and_emulator() {
    let app = start().await;
    let mut customers = CustomerServiceClient::new(app.channel.clone());
    let start_now = pb::subscribe_verification_events_request::Start::FromNow(true);
    let request = pb::SubscribeVerificationEventsRequest {
        filter: None,
        start: Some(start_now),
    };
    let mut events = VerificationEventServiceClient::new(app.channel.clone())
        .subscribe_verification_events(request)
        .await
        .expect("subscribe")
        .into_inner();
    let customer = pb::Customer {
        ssn: "333-33-3333".into(),
        ..fixtures::customer()
    };
    let created = customers
        .create_customer(pb::CreateCustomerRequest {
            customer: Some(customer),
            request_id: "c-1".into(),
        })
        .await
        .expect("create")
        .into_inner();
    let id = created.customer.expect("customer").customer_id;
    let kyc = pb::StartCustomerKycRequest {
        customer_id: id.clone(),
        program_id: emulator::PROGRAM.into(),
        request_id: "k-1".into(),
        ..Default::default()
    };
    let started = customers
        .start_customer_kyc(kyc)
        .await
        .expect("start")
        .into_inner();
    assert_eq!(started.kyc_status, pb::KycStatus::Submitted as i32);

    let asked = next_event(&mut events).await;
    assert_eq!(
        asked.kind,
        pb::VerificationEventKind::KycDocumentRequired as i32
    );
    assert_eq!(
        asked.subject,
        Some(pb::verification_event::Subject::CustomerId(id.clone()))
    );
    assert_eq!(
        asked
            .documents
            .iter()
            .map(|d| d.document_type.as_str())
            .collect::<Vec<_>>(),
        ["government_id"]
    );

    let docs = pb::SubmitCustomerKycDocumentsRequest {
        customer_id: id.clone(),
        government_id: Some(pb::GovernmentIdDocument {
            r#type: pb::GovernmentIdType::Passport as i32,
            country: "US".into(),
            front_image: image(),
            back_image: None,
        }),
        ..Default::default()
    };
    customers
        .submit_customer_kyc_documents(docs)
        .await
        .expect("upload");
    assert_eq!(
        next_event(&mut events).await.kind,
        pb::VerificationEventKind::KycUnderReview as i32
    );
    assert_eq!(
        next_event(&mut events).await.kind,
        pb::VerificationEventKind::KycSuccess as i32
    );

    let status = pb::GetCustomerKycStatusRequest {
        customer_id: id,
        program_id: emulator::PROGRAM.into(),
        max_staleness: None,
    };
    let v = customers
        .get_customer_kyc_status(status)
        .await
        .expect("status")
        .into_inner()
        .verification
        .expect("verification");
    assert_eq!(v.kyc_status, pb::KycStatus::Passed as i32);
    assert_eq!(v.results.get("ofac").map(String::as_str), Some("passed"));
}

#[tokio::test]
async fn an_invalid_request_is_refused_by_the_gateway_before_the_emulator() {
    let app = start().await;
    let mut customers = CustomerServiceClient::new(app.channel.clone());
    let customer = pb::Customer {
        dob: "13/02/1990".into(),
        ..fixtures::customer()
    };
    let err = customers
        .create_customer(pb::CreateCustomerRequest {
            customer: Some(customer),
            request_id: "c-2".into(),
        })
        .await
        .expect_err("invalid");
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
}
