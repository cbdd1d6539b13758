//! A subscriber that stops reading while events flow: once its HTTP/2 window is full and stays
//! full for `events.stall_timeout_ms`, the gateway closes its connection (counted in
//! `streams_ended_total{reason="stalled"}`), the client's stream ends with an error rather than
//! hanging, and a fresh subscription after the last cursor it read gets every event — none lost.
use std::time::Duration;

use atelio_gateway::proto::v1 as pb;
use pb::subscribe_verification_events_request::Start;
use pb::subscribe_verification_events_response::Item;
use pb::verification_event_service_client::VerificationEventServiceClient;
use serde_json::json;
use tokio_stream::StreamExt;
use tonic::Code;
use tonic::transport::{Channel, Endpoint};

use crate::helpers::{fixtures::*, signing::*, *};

const PATIENCE: Duration = Duration::from_secs(20);
const EVENTS: usize = 40;

/// A client whose per-stream receive window is 1 KiB, so a few events fill it.
async fn narrow_client(app: &TestApp) -> VerificationEventServiceClient<Channel> {
    let channel = Endpoint::from_shared(format!("http://{}", app.addr))
        .unwrap()
        .initial_stream_window_size(Some(1_024))
        .connect()
        .await
        .unwrap();
    VerificationEventServiceClient::new(channel)
}

fn stalled() -> u64 {
    atelio_gateway::metrics::get()
        .overload
        .streams_ended
        .with_label_values(&["stalled"])
        .get()
}

fn start(s: Start) -> pb::SubscribeVerificationEventsRequest {
    pb::SubscribeVerificationEventsRequest {
        filter: None,
        start: Some(s),
    }
}

async fn post_events(app: &TestApp) {
    let client = reqwest::Client::new();
    for i in 0..EVENTS {
        let e = json!({ "event": "kyc.verification.success", "customer_id": CUSTOMER_ID,
                        "occurred_at": format!("2024-01-01T00:00:00.{i:06}Z") });
        assert_eq!(post_signed(&client, &app.webhook_url, &e).await.0, 200);
    }
}

#[tokio::test]
async fn a_subscriber_that_stops_reading_is_cut_and_resumes_without_loss() {
    let app = spawn_app_with(|c| c.events.stall_timeout_ms = 300).await;
    let before = stalled();
    let mut client = narrow_client(&app).await;
    let mut stream = client
        .subscribe_verification_events(start(Start::FromEarliest(true)))
        .await
        .unwrap()
        .into_inner();
    post_events(&app).await;
    tokio::time::timeout(PATIENCE, async {
        while stalled() == before {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the stalled stream is noticed");
    let mut read = Vec::new();
    let ended = tokio::time::timeout(PATIENCE, async {
        loop {
            match stream.next().await {
                Some(Ok(msg)) => {
                    if let Some(Item::Event(e)) = msg.item {
                        read.push(e);
                    }
                }
                Some(Err(status)) => return Some(status),
                None => return None,
            }
        }
    });
    let status = ended.await.expect("the cut stream ends instead of hanging");
    let code = status.expect("an error, not a clean end").code();
    assert!(
        matches!(code, Code::Unavailable | Code::Unknown),
        "{code:?}"
    );
    assert!(read.len() < EVENTS, "the window held only part of the log");
    let resume = read.last().map_or(Start::FromEarliest(true), |e| {
        Start::AfterCursor(e.cursor.clone())
    });
    let mut fresh = app
        .events()
        .subscribe_verification_events(start(resume))
        .await
        .expect("the gateway still serves")
        .into_inner();
    while read.len() < EVENTS {
        let msg = tokio::time::timeout(PATIENCE, fresh.next()).await;
        if let Some(Item::Event(e)) = msg.expect("events flow").unwrap().unwrap().item {
            read.push(e);
        }
    }
    let seq: Vec<u64> = read.iter().map(|e| e.sequence).collect();
    assert_eq!(seq, (1..=EVENTS as u64).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_subscriber_does_not_hold_shutdown_to_its_grace_period() {
    use crate::helpers::process::GatewayProcess;
    let upstream = FakeUpstream::start().await;
    let gw = GatewayProcess::start(
        &upstream.base_url(),
        &[
            ("ATELIO_GATEWAY__SHUTDOWN__GRACE_S", "120".into()),
            ("ATELIO_GATEWAY__SHUTDOWN__DRAIN_DELAY_MS", "0".into()),
            ("ATELIO_GATEWAY__EVENTS__HEARTBEAT_MS", "10".into()),
        ],
    );
    let channel = Endpoint::from_shared(format!("http://{}", gw.addr))
        .unwrap()
        .initial_stream_window_size(Some(1_024))
        .connect()
        .await
        .unwrap();
    let _stalled = VerificationEventServiceClient::new(channel)
        .subscribe_verification_events(start(Start::FromNow(true)))
        .await
        .unwrap()
        .into_inner();
    // Heartbeats fill the 1 KiB window within a few hundred milliseconds; nobody reads them.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    gw.terminate();
    let (status, log) = tokio::task::spawn_blocking(move || gw.wait_exit(Duration::from_secs(60)))
        .await
        .unwrap();
    let status = status.unwrap_or_else(|| panic!("still running long after SIGTERM:\n{log}"));
    assert!(status.success(), "{log}");
    assert!(log.contains("stopped reading"), "the cut is logged:\n{log}");
}
