//! Lost answers: Atelio did the work, its answer never arrived. Against the emulator's
//! commit-then-lose faults every mutating RPC answers with what the first attempt did (marked
//! `idempotent-recovered`), one upstream resource per `request_id`; a restart of a gateway whose
//! records are gone still recovers; when nothing can be found the answer is a retryable
//! UPSTREAM_OUTCOME_UNKNOWN that is never stored.
use std::time::Duration;

use atelio_gateway::app::App;
use atelio_gateway::config::{Config, Secret};
use atelio_gateway::proto::v1 as pb;
use atelio_gateway::sandbox::{Faults, SandboxConfig};
use pb::customer_service_client::CustomerServiceClient;
use tokio::sync::oneshot;
use tonic::transport::Channel;
use tonic_types::StatusExt;

use crate::helpers::emulator::{self, Emulator};
use crate::helpers::{FakeUpstream, Reply, fixtures, spawn_with_config, test_config};

const RECOVERED: &str = "idempotent-recovered";

fn faulty(faults: Faults) -> SandboxConfig {
    SandboxConfig {
        faults,
        ..emulator::config()
    }
}

/// A gateway (in this process) in front of `emu`, until the sender is dropped.
async fn gateway(
    emu: &Emulator,
    adjust: impl FnOnce(&mut Config),
) -> (Channel, oneshot::Sender<()>) {
    let mut cfg = test_config(&emu.handle.base_url());
    cfg.upstream.identity = Some(Secret::new(emulator::IDENTITY));
    cfg.upstream.authorization = Some(Secret::new(emulator::AUTHORIZATION));
    cfg.upstream.default_program_id = Some(emulator::PROGRAM.into());
    adjust(&mut cfg);
    let app = App::build(cfg).await.expect("gateway builds");
    let addr = app.grpc_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let channel = Channel::from_shared(format!("http://{addr}"))
        .expect("uri")
        .connect_lazy();
    (channel, stop)
}

fn create(request_id: &str) -> pb::CreateCustomerRequest {
    pb::CreateCustomerRequest {
        customer: Some(fixtures::customer()),
        request_id: request_id.into(),
    }
}

async fn customers_at(emu: &Emulator) -> usize {
    let (status, listed) = emu.call("GET", "/customers?per_page=50", None).await;
    assert_eq!(status, 200);
    listed.as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_create_repeated_after_a_restart_returns_the_first_customer() {
    let emu = Emulator::start(emulator::config()).await;
    let (channel, stop) = gateway(&emu, |_| {}).await;
    let first = CustomerServiceClient::new(channel)
        .create_customer(create("r-1"))
        .await
        .expect("first call");
    let first_id = first.into_inner().customer.expect("customer").customer_id;
    drop(stop);
    // A new gateway with an empty (memory) idempotency store: only Atelio remembers the key.
    let (channel, _stop) = gateway(&emu, |_| {}).await;
    let again = CustomerServiceClient::new(channel)
        .create_customer(create("r-1"))
        .await
        .expect("the retry is answered, not ALREADY_EXISTS");
    assert_eq!(
        again.metadata().get(RECOVERED).map(|v| v.to_str().unwrap()),
        Some("true")
    );
    assert_eq!(
        again.into_inner().customer.expect("customer").customer_id,
        first_id
    );
    assert_eq!(
        customers_at(&emu).await,
        1,
        "one customer for one request_id"
    );
}

#[tokio::test]
async fn an_answer_lost_on_the_wire_is_recovered_inside_the_same_call() {
    let emu = Emulator::start(faulty(Faults {
        lose_answer_rate: 1.0,
        ..Default::default()
    }))
    .await;
    let (channel, _stop) = gateway(&emu, |_| {}).await;
    let mut customers = CustomerServiceClient::new(channel);
    let got = customers
        .create_customer(create("w-1"))
        .await
        .expect("recovered");
    assert_eq!(
        got.metadata().get(RECOVERED).map(|v| v.to_str().unwrap()),
        Some("true")
    );
    let id = got.into_inner().customer.expect("customer").customer_id;
    let replay = customers
        .create_customer(create("w-1"))
        .await
        .expect("replayed");
    assert!(
        replay.metadata().get("idempotent-replayed").is_some(),
        "stored like any success"
    );
    assert_eq!(
        replay.into_inner().customer.expect("customer").customer_id,
        id
    );
    assert_eq!(customers_at(&emu).await, 1);
}

#[tokio::test]
async fn an_answer_slower_than_the_attempt_timeout_is_recovered() {
    let emu = Emulator::start(faulty(Faults {
        slow_answer_rate: 1.0,
        slow_answer: Duration::from_millis(1_500),
        ..Default::default()
    }))
    .await;
    let (channel, _stop) = gateway(&emu, |c| c.upstream.attempt_timeout_ms = 300).await;
    let got = CustomerServiceClient::new(channel)
        .create_customer(create("s-1"))
        .await
        .expect("recovered after the attempt timed out");
    assert!(
        !got.into_inner()
            .customer
            .expect("customer")
            .customer_id
            .is_empty()
    );
    assert_eq!(customers_at(&emu).await, 1);
}

#[tokio::test]
async fn a_delete_whose_answer_was_lost_answers_done() {
    let emu = Emulator::start(faulty(Faults::default())).await;
    let (channel, _stop) = gateway(&emu, |_| {}).await;
    let mut customers = CustomerServiceClient::new(channel.clone());
    let id = customers
        .create_customer(create("d-0"))
        .await
        .expect("create")
        .into_inner()
        .customer
        .expect("customer")
        .customer_id;
    emu.handle.set_faults(Faults {
        lose_answer_rate: 1.0,
        ..Default::default()
    });
    let deleted = customers
        .delete_customer(pb::DeleteCustomerRequest {
            customer_id: id.clone(),
            request_id: "d-1".into(),
        })
        .await
        .expect("the retry's 404 means the first attempt deleted it");
    assert_eq!(
        deleted
            .metadata()
            .get(RECOVERED)
            .map(|v| v.to_str().unwrap()),
        Some("true")
    );
    assert_eq!(deleted.into_inner().customer_id, id);
}

#[tokio::test]
async fn a_plain_404_on_a_delete_stays_not_found() {
    let upstream = FakeUpstream::start().await;
    let id = "2df10ec1-130f-41bb-b0cf-f3af48350eb7";
    upstream.on(
        "DELETE",
        &format!("/customers/{id}"),
        vec![Reply::json(
            404,
            serde_json::json!({"Code": "customer_dne", "Status": 404}),
        )],
    );
    let cfg = test_config(&upstream.base_url());
    let app = spawn_with_config(upstream, cfg).await;
    let err = app
        .customers()
        .delete_customer(pb::DeleteCustomerRequest {
            customer_id: id.into(),
            request_id: "n-1".into(),
        })
        .await
        .expect_err("nothing suggests an earlier attempt");
    assert_eq!(err.code(), tonic::Code::NotFound);
}

#[tokio::test]
async fn nothing_found_is_a_retryable_unknown_outcome_that_is_not_stored() {
    let upstream = FakeUpstream::start().await;
    let exists = serde_json::json!({
        "Message": "A request was made with this idempotency key in the past 24 hours",
        "Status": 409, "Code": "idempotency_key_exists", "Type": "Request Error"
    });
    upstream.on("POST", "/customers/", vec![Reply::json(409, exists)]);
    upstream.on(
        "GET",
        "/customers",
        vec![Reply::json(200, serde_json::json!([]))],
    );
    let cfg = test_config(&upstream.base_url());
    let app = spawn_with_config(upstream, cfg).await;
    for attempt in 1..=2 {
        let err = app
            .customers()
            .create_customer(create("u-1"))
            .await
            .expect_err("nothing to recover");
        assert_eq!(err.code(), tonic::Code::Unavailable, "{err:?}");
        let details = err.get_error_details();
        assert_eq!(
            details.error_info().expect("ErrorInfo").reason,
            "UPSTREAM_OUTCOME_UNKNOWN"
        );
        assert!(details.retry_info().is_some(), "RetryInfo");
        assert_eq!(
            app.upstream.hits("POST", "/customers/"),
            attempt,
            "tried again, not replayed"
        );
    }
}
