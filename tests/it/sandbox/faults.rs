//! The emulator's fault switches, at its HTTP API and through the gateway: injected statuses
//! with Atelio's error body, 429 bursts with Retry-After, connections broken off mid-answer, and
//! the gateway riding out a burst with its retries.
use std::time::Duration;

use atelio_gateway::app::sandboxed;
use atelio_gateway::proto::v1 as pb;
use atelio_gateway::sandbox::{Faults, SandboxConfig};
use pb::customer_service_client::CustomerServiceClient;
use tonic::transport::Channel;

use crate::helpers::emulator::{self, Emulator};
use crate::helpers::{fixtures, test_config};

fn with(faults: Faults) -> SandboxConfig {
    SandboxConfig {
        faults,
        ..emulator::config()
    }
}

#[tokio::test]
async fn an_error_rate_of_one_answers_every_call_with_that_status() {
    let emu = Emulator::start(with(Faults {
        error_rates: vec![(503, 1.0)],
        ..Default::default()
    }))
    .await;
    for _ in 0..3 {
        let (status, body) = emu.call("GET", "/customers", None).await;
        assert_eq!(
            (status, body["Code"].as_str(), body["Type"].as_str()),
            (503, Some("server_error"), Some("Server Error"))
        );
    }
}

#[tokio::test]
async fn bursts_of_429_come_after_every_n_calls() {
    let emu = Emulator::start(with(Faults {
        burst_every: 2,
        burst_len: 1,
        ..Default::default()
    }))
    .await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(emu.call("GET", "/customers", None).await.0);
    }
    assert_eq!(statuses, [200, 200, 429, 200, 200, 429]);
}

#[tokio::test]
async fn a_dropped_connection_breaks_off_mid_answer() {
    let emu = Emulator::start(with(Faults {
        drop_rate: 1.0,
        ..Default::default()
    }))
    .await;
    let resp = emu
        .http
        .get(format!("{}/customers", emu.handle.base_url()))
        .header("Identity", emulator::IDENTITY)
        .header("Authorization", emulator::AUTHORIZATION)
        .send()
        .await;
    let body = match resp {
        Ok(r) => r.bytes().await.map(|_| ()),
        Err(e) => Err(e),
    };
    assert!(body.is_err(), "the answer never completes");
}

#[tokio::test]
async fn added_latency_delays_every_answer() {
    let emu = Emulator::start(with(Faults {
        latency: Duration::from_millis(150),
        ..Default::default()
    }))
    .await;
    let started = std::time::Instant::now();
    assert_eq!(emu.call("GET", "/customers", None).await.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn the_gateway_retries_through_a_429_burst() {
    let faults = Faults {
        burst_every: 1,
        burst_len: 1,
        ..Default::default()
    };
    let wired = sandboxed::build(
        test_config("http://127.0.0.1:9/unused"),
        with(faults),
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("wired");
    let addr = wired.app.grpc_addr();
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(wired.app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let channel = Channel::from_shared(format!("http://{addr}"))
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    let mut customers = CustomerServiceClient::new(channel);
    let created = customers
        .create_customer(pb::CreateCustomerRequest {
            customer: Some(fixtures::customer()),
            request_id: "f-1".into(),
        })
        .await
        .expect("create succeeds");
    let id = created.into_inner().customer.expect("customer").customer_id;
    let got = customers
        .get_customer(pb::GetCustomerRequest {
            customer_id: id.clone(),
        })
        .await
        .expect("the read is retried past the 429");
    assert_eq!(got.into_inner().customer.expect("customer").customer_id, id);
}

#[tokio::test]
async fn a_duplicated_webhook_reaches_subscribers_once() {
    use super::e2e::{next_event, start_with};
    let app = start_with(with(Faults {
        duplicate_rate: 1.0,
        ..Default::default()
    }))
    .await;
    let from_now = pb::subscribe_verification_events_request::Start::FromNow(true);
    let req = pb::SubscribeVerificationEventsRequest {
        filter: None,
        start: Some(from_now),
    };
    let mut events = pb::verification_event_service_client::VerificationEventServiceClient::new(
        app.channel.clone(),
    )
    .subscribe_verification_events(req)
    .await
    .expect("subscribe")
    .into_inner();
    let mut customers = CustomerServiceClient::new(app.channel.clone());
    let created = customers
        .create_customer(pb::CreateCustomerRequest {
            customer: Some(fixtures::customer()),
            request_id: "d-1".into(),
        })
        .await
        .expect("create");
    let id = created.into_inner().customer.expect("customer").customer_id;
    let kyc = pb::StartCustomerKycRequest {
        customer_id: id,
        program_id: emulator::PROGRAM.into(),
        request_id: "d-k".into(),
        ..Default::default()
    };
    customers.start_customer_kyc(kyc).await.expect("kyc");
    let first = next_event(&mut events).await;
    assert_eq!(first.kind, pb::VerificationEventKind::KycSuccess as i32);
    let again = tokio::time::timeout(Duration::from_millis(500), next_event(&mut events)).await;
    assert!(
        again.is_err(),
        "the second copy was deduplicated, not relayed: {again:?}"
    );
}

#[tokio::test]
async fn a_duplicate_rate_of_one_delivers_every_webhook_twice() {
    use super::api::{create, start_kyc};
    use crate::helpers::emulator::{next, receiver};
    let emu = Emulator::start(with(Faults {
        duplicate_rate: 1.0,
        ..Default::default()
    }))
    .await;
    let (url, mut rx) = receiver(&[]).await;
    emu.handle.subscribe(&url, &["kyc.*"]);
    let id = create(&emu, "123-45-6789").await;
    start_kyc(&emu, &id).await;
    let (one, two) = (next(&mut rx).await, next(&mut rx).await);
    assert_eq!(one.body, two.body, "the same event twice");
}

#[tokio::test]
async fn a_webhook_loss_rate_of_one_delivers_nothing_while_the_outcome_is_readable() {
    use super::api::{create, start_kyc};
    use crate::helpers::emulator::receiver;
    let emu = Emulator::start(with(Faults {
        webhook_loss_rate: 1.0,
        ..Default::default()
    }))
    .await;
    let (url, mut rx) = receiver(&[]).await;
    emu.handle.subscribe(&url, &["kyc.*"]);
    let id = create(&emu, "123-45-6789").await;
    start_kyc(&emu, &id).await;
    let path = format!(
        "/customers/{id}/verification-kyc?program_id={}",
        emulator::PROGRAM
    );
    let until = tokio::time::Instant::now() + Duration::from_secs(20);
    while emu.call("GET", &path, None).await.1["kyc_status"] != "passed" {
        assert!(
            tokio::time::Instant::now() < until,
            "the outcome never came"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let late = tokio::time::timeout(Duration::from_millis(1_000), rx.recv()).await;
    assert!(late.is_err(), "a lost webhook was delivered: {late:?}");
}

#[tokio::test]
async fn a_lost_answer_is_committed_though_the_client_sees_a_broken_connection() {
    let emu = Emulator::start(with(Faults {
        lose_answer_rate: 1.0,
        ..Default::default()
    }))
    .await;
    let body = serde_json::to_vec(&super::api::new_customer("123-45-6789")).unwrap();
    let sent = emu
        .http
        .post(format!("{}/customers/", emu.handle.base_url()))
        .header("Identity", emulator::IDENTITY)
        .header("Authorization", emulator::AUTHORIZATION)
        .header("content-type", "application/json")
        .header("Idempotency-Key", "lost-1")
        .body(body)
        .send()
        .await;
    let answer = match sent {
        Ok(r) => r.bytes().await.map(|_| ()),
        Err(e) => Err(e),
    };
    assert!(answer.is_err(), "the answer is lost");
    let (status, listed) = emu.call("GET", "/customers", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(1),
        "yet the customer exists"
    );
}

#[tokio::test]
async fn a_slow_answer_comes_after_the_work_is_done() {
    let emu = Emulator::start(with(Faults {
        slow_answer_rate: 1.0,
        slow_answer: Duration::from_secs(5),
        ..Default::default()
    }))
    .await;
    // A client that waits far less than the answer takes gives up, as the gateway's attempt
    // timeout does; the work was done before the answer was held back.
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .expect("client");
    let sent = impatient
        .post(format!("{}/customers/", emu.handle.base_url()))
        .header("Identity", emulator::IDENTITY)
        .header("Authorization", emulator::AUTHORIZATION)
        .json(&super::api::new_customer("123-45-6789"))
        .send()
        .await;
    assert!(
        sent.is_err_and(|e| e.is_timeout()),
        "the answer is held back"
    );
    let (status, listed) = emu.call("GET", "/customers", None).await;
    assert_eq!(status, 200, "reads are answered at once");
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(1),
        "yet the customer exists"
    );
}
