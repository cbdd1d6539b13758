//! The event relay across two gateway processes on one real `redis-server` (AOF on): a webhook
//! posted to replica A reaches a subscriber on replica B; a subscriber moving from A to B with
//! its cursor sees no gap and no duplicate; with Redis killed a webhook gets 503 (Atelio will
//! retry), health turns NOT_SERVING and `/readyz` 503 while `/livez` stays 200; after a restart health is SERVING again, every
//! acknowledged event is still there and new ones are taken.
use std::time::Duration;

use atelio_gateway::proto::v1 as pb;
use atelio_gateway::storage::redis_server::RedisServer;
use pb::subscribe_verification_events_request::Start;
use pb::subscribe_verification_events_response::Item;
use pb::verification_event_service_client::VerificationEventServiceClient as Events;
use serde_json::{Value, json};
use tokio_stream::StreamExt;
use tonic::Streaming;
use tonic::transport::Channel;

use crate::helpers::FakeUpstream;
use crate::helpers::process::GatewayProcess;
use crate::helpers::signing::post_signed;

fn replica(upstream: &FakeUpstream, redis: &RedisServer) -> GatewayProcess {
    GatewayProcess::start(
        &upstream.base_url(),
        &[
            ("ATELIO_GATEWAY__IDEMPOTENCY__STORE", "redis".into()),
            ("ATELIO_GATEWAY__EVENTS__STORE", "redis".into()),
            ("ATELIO_GATEWAY__EVENTS__HEARTBEAT_MS", "200".into()),
            ("ATELIO_GATEWAY__REDIS__URL", redis.url()),
            ("ATELIO_GATEWAY__REDIS__TIMEOUT_MS", "500".into()),
        ],
    )
}

/// A distinct event per `i` (its own customer id).
fn event(i: u32) -> Value {
    let customer = format!("00000000-0000-4000-8000-{i:012}");
    json!({ "event": "kyc.verification.success", "customer_id": customer, "occurred_at": "2024-05-01T10:00:00Z" })
}

async fn events(gw: &GatewayProcess) -> Events<Channel> {
    let channel = Channel::from_shared(format!("http://{}", gw.addr))
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    Events::new(channel)
}

async fn subscribe(
    gw: &GatewayProcess,
    start: Start,
) -> Streaming<pb::SubscribeVerificationEventsResponse> {
    let req = pb::SubscribeVerificationEventsRequest {
        filter: None,
        start: Some(start),
    };
    events(gw)
        .await
        .subscribe_verification_events(req)
        .await
        .expect("subscribe")
        .into_inner()
}

/// The next event (heartbeats skipped), within 10 s.
async fn next_event(
    s: &mut Streaming<pb::SubscribeVerificationEventsResponse>,
) -> pb::VerificationEvent {
    let next = async {
        loop {
            match s.next().await.expect("stream open").expect("item").item {
                Some(Item::Event(e)) => return e,
                _ => continue,
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), next)
        .await
        .expect("an event in time")
}

fn customer(e: &pb::VerificationEvent) -> String {
    match &e.subject {
        Some(pb::verification_event::Subject::CustomerId(id)) => id.clone(),
        other => panic!("{other:?}"),
    }
}

async fn post(gw: &GatewayProcess, i: u32) -> u16 {
    post_signed(&reqwest::Client::new(), &gw.webhook_url, &event(i))
        .await
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_one_ordered_event_log() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let redis = RedisServer::start(true);
    let upstream = FakeUpstream::start().await;
    let (a, b) = (replica(&upstream, &redis), replica(&upstream, &redis));

    let mut on_b = subscribe(&b, Start::FromNow(true)).await;
    assert_eq!(post(&a, 1).await, 200);
    let first = next_event(&mut on_b).await;
    assert_eq!(
        customer(&first),
        customer_of(1),
        "a webhook to A reaches B's subscriber"
    );
    assert_eq!(
        post(&b, 1).await,
        200,
        "a re-delivery to the other replica is acknowledged"
    );

    let mut on_a = subscribe(&a, Start::FromEarliest(true)).await;
    let seen = next_event(&mut on_a).await;
    assert_eq!(seen.sequence, first.sequence);
    drop(on_a);
    for i in 2..=5 {
        let target = if i % 2 == 0 { &a } else { &b };
        assert_eq!(post(target, i).await, 200);
    }
    let mut moved = subscribe(&b, Start::AfterCursor(seen.cursor.clone())).await;
    let mut got = Vec::new();
    for _ in 2..=5 {
        got.push(next_event(&mut moved).await);
    }
    let sequences: Vec<u64> = got.iter().map(|e| e.sequence).collect();
    assert_eq!(
        sequences,
        (first.sequence + 1..=first.sequence + 4).collect::<Vec<_>>(),
        "no gap, no duplicate"
    );
    let customers: Vec<String> = got.iter().map(customer).collect();
    assert_eq!(customers, (2..=5).map(customer_of).collect::<Vec<_>>());
    drop((a.kill(), b.kill()));
}

/// Waits (up to 5 s) for the overall gRPC health status (1 SERVING, 2 NOT_SERVING).
async fn health_becomes(gw: &GatewayProcess, want: i32) {
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
    let channel = Channel::from_shared(format!("http://{}", gw.addr))
        .expect("uri")
        .connect_lazy();
    let mut health = HealthClient::new(channel);
    for _ in 0..100 {
        let req = HealthCheckRequest {
            service: String::new(),
        };
        if health.check(req).await.map(|r| r.into_inner().status).ok() == Some(want) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("health never became {want}");
}

/// The admin listener's answer to `path`.
async fn probe(gw: &GatewayProcess, path: &str) -> u16 {
    let url = format!("{}{path}", gw.admin_url);
    reqwest::get(url)
        .await
        .expect("admin answers")
        .status()
        .as_u16()
}

fn customer_of(i: u32) -> String {
    event(i)["customer_id"].as_str().expect("id").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_events_survive_a_redis_crash_and_ingest_resumes() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut redis = RedisServer::start(true);
    let upstream = FakeUpstream::start().await;
    let a = replica(&upstream, &redis);
    assert_eq!(post(&a, 1).await, 200);
    redis.kill();
    assert_eq!(post(&a, 2).await, 503, "Atelio is told to retry");
    health_becomes(&a, 2).await;
    assert_eq!(probe(&a, "/livez").await, 200, "liveness ignores Redis");
    assert_eq!(probe(&a, "/readyz").await, 503, "not ready without Redis");
    redis.restart();
    health_becomes(&a, 1).await;
    assert_eq!(probe(&a, "/readyz").await, 200, "ready again");
    let mut status = 0;
    for _ in 0..50 {
        status = post(&a, 2).await;
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200, "ingest resumed without a restart");
    let b = replica(&upstream, &redis);
    let listed = events(&b)
        .await
        .list_verification_events(pb::ListVerificationEventsRequest::default())
        .await
        .expect("list")
        .into_inner()
        .events;
    let customers: Vec<String> = listed.iter().map(customer).collect();
    assert_eq!(
        customers,
        vec![customer_of(1), customer_of(2)],
        "the acknowledged event survived"
    );
    drop((a.kill(), b.kill()));
}
