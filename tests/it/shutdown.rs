//! SIGTERM on the real binary with an open event stream and a unary call in flight: health turns
//! NOT_SERVING and `/readyz` 503 first, the unary call completes, the stream ends with
//! UNAVAILABLE, the SQLite stores are flushed and the process exits 0 within the grace period.
use std::time::Duration;

use atelio_gateway::proto::v1 as pb;
use pb::subscribe_verification_events_request::Start;
use tokio_stream::StreamExt;
use tonic::Code;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

use crate::helpers::fixtures::{CUSTOMER_ID, customer_json};
use crate::helpers::process::GatewayProcess;
use crate::helpers::{FakeUpstream, Reply};

const GRACE_S: u64 = 10;

async fn health(channel: &tonic::transport::Channel) -> i32 {
    HealthClient::new(channel.clone())
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .map_or(-1, |r| r.into_inner().status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_then_finishes_calls_ends_streams_and_exits_zero() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().expect("tmp");
    let upstream = FakeUpstream::start().await;
    let path = format!("/customers/{CUSTOMER_ID}");
    let slow = Reply::json(200, customer_json()).with_delay(Duration::from_millis(1500));
    upstream.on("GET", &path, vec![slow]);
    let gw = GatewayProcess::start(
        &upstream.base_url(),
        &[
            ("ATELIO_GATEWAY__SHUTDOWN__GRACE_S", GRACE_S.to_string()),
            ("ATELIO_GATEWAY__SHUTDOWN__DRAIN_DELAY_MS", "600".into()),
            (
                "ATELIO_GATEWAY__IDEMPOTENCY__SQLITE_PATH",
                dir.path().join("gw.sqlite3").display().to_string(),
            ),
        ],
    );
    let channel = tonic::transport::Channel::from_shared(format!("http://{}", gw.addr))
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    let mut stream =
        pb::verification_event_service_client::VerificationEventServiceClient::new(channel.clone())
            .subscribe_verification_events(pb::SubscribeVerificationEventsRequest {
                filter: None,
                start: Some(Start::FromNow(true)),
            })
            .await
            .expect("subscribe")
            .into_inner();
    let mut customers = pb::customer_service_client::CustomerServiceClient::new(channel.clone());
    let in_flight = tokio::spawn(async move {
        customers
            .get_customer(pb::GetCustomerRequest {
                customer_id: CUSTOMER_ID.into(),
            })
            .await
    });
    while upstream.hits("GET", &path) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(health(&channel).await, 1, "SERVING before the signal");

    gw.terminate();
    let mut status = health(&channel).await;
    for _ in 0..50 {
        if status == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        status = health(&channel).await;
    }
    assert_eq!(status, 2, "NOT_SERVING while draining");
    let ready = reqwest::get(format!("{}/readyz", gw.admin_url))
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 503);

    let answered = in_flight
        .await
        .expect("task")
        .expect("the in-flight call completes");
    assert_eq!(
        answered
            .into_inner()
            .customer
            .expect("customer")
            .customer_id,
        CUSTOMER_ID
    );
    let ended = loop {
        match stream.next().await {
            Some(Ok(_)) => continue,
            Some(Err(s)) => break s.code(),
            None => panic!("the stream ended without a status"),
        }
    };
    assert_eq!(ended, Code::Unavailable);

    let (exit, log) =
        tokio::task::spawn_blocking(move || gw.wait_exit(Duration::from_secs(GRACE_S + 5)))
            .await
            .expect("join");
    let exit = exit.unwrap_or_else(|| panic!("still running after the grace period\n{log}"));
    assert!(exit.success(), "exit {exit:?}\n{log}");
    assert!(log.contains("stores flushed and closed"), "{log}");
}
