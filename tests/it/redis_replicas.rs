//! Two gateway processes sharing one real `redis-server` for idempotency records: a retry that
//! lands on the other replica is answered from the first one's stored outcome (Atelio sees the
//! call once); with Redis killed a mutating call fails UNAVAILABLE with RetryInfo and nothing
//! reaches Atelio; once Redis is back the next call succeeds without a restart.
use std::time::Duration;

use atelio_gateway::proto::v1 as pb;
use atelio_gateway::storage::redis_server::RedisServer;
use pb::customer_service_client::CustomerServiceClient;
use tonic::Code;
use tonic::transport::Channel;
use tonic_types::StatusExt;

use crate::helpers::fixtures::{customer, customer_json};
use crate::helpers::process::GatewayProcess;
use crate::helpers::{FakeUpstream, Reply};

fn replica(upstream: &FakeUpstream, redis: &RedisServer) -> GatewayProcess {
    GatewayProcess::start(
        &upstream.base_url(),
        &[
            ("ATELIO_GATEWAY__IDEMPOTENCY__STORE", "redis".into()),
            ("ATELIO_GATEWAY__EVENTS__STORE", "memory".into()),
            ("ATELIO_GATEWAY__REDIS__URL", redis.url()),
            ("ATELIO_GATEWAY__REDIS__TIMEOUT_MS", "500".into()),
        ],
    )
}

async fn client(gw: &GatewayProcess) -> CustomerServiceClient<Channel> {
    let channel = Channel::from_shared(format!("http://{}", gw.addr))
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    CustomerServiceClient::new(channel)
}

fn create(request_id: &str) -> pb::CreateCustomerRequest {
    pb::CreateCustomerRequest {
        customer: Some(customer()),
        request_id: request_id.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_on_another_replica_reaches_atelio_once_and_redis_outages_heal() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut redis = RedisServer::start(false);
    let upstream = FakeUpstream::start().await;
    upstream.on(
        "POST",
        "/customers/",
        vec![Reply::json(201, customer_json())],
    );
    let (a, b) = (replica(&upstream, &redis), replica(&upstream, &redis));
    let (mut on_a, mut on_b) = (client(&a).await, client(&b).await);

    let first = on_a
        .create_customer(create("r-1"))
        .await
        .expect("created on A");
    let again = on_b
        .create_customer(create("r-1"))
        .await
        .expect("answered by B");
    assert_eq!(first.get_ref(), again.get_ref());
    assert_eq!(
        again
            .metadata()
            .get("idempotent-replayed")
            .map(|v| v.to_str().unwrap_or("")),
        Some("true")
    );
    assert_eq!(
        upstream.hits("POST", "/customers/"),
        1,
        "Atelio saw the call once"
    );

    redis.kill();
    let down = on_b
        .create_customer(create("r-2"))
        .await
        .expect_err("no store");
    assert_eq!(down.code(), Code::Unavailable, "{down:?}");
    assert!(
        down.get_error_details().retry_info().is_some(),
        "RetryInfo tells when to retry"
    );
    assert_eq!(
        upstream.hits("POST", "/customers/"),
        1,
        "nothing reached Atelio"
    );

    redis.restart();
    let mut healed = None;
    for _ in 0..50 {
        match on_b.create_customer(create("r-3")).await {
            Ok(r) => {
                healed = Some(r);
                break;
            }
            Err(s) if s.code() == Code::Unavailable => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(s) => panic!("{s:?}"),
        }
    }
    assert!(healed.is_some(), "the replica recovered without a restart");
    assert_eq!(upstream.hits("POST", "/customers/"), 2);
    drop((a.kill(), b.kill()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_under_a_burst_stay_within_one_shared_budget() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let redis = RedisServer::start(false);
    let upstream = FakeUpstream::start().await;
    let path = format!("/customers/{}", crate::helpers::fixtures::CUSTOMER_ID);
    upstream.on("GET", &path, vec![Reply::json(200, customer_json())]);
    let shared = |gw_upstream: &FakeUpstream| {
        GatewayProcess::start(
            &gw_upstream.base_url(),
            &[
                ("ATELIO_GATEWAY__IDEMPOTENCY__STORE", "memory".into()),
                ("ATELIO_GATEWAY__EVENTS__STORE", "memory".into()),
                ("ATELIO_GATEWAY__REDIS__URL", redis.url()),
                ("ATELIO_GATEWAY__RATE_LIMIT__SHARED", "true".into()),
                ("ATELIO_GATEWAY__RATE_LIMIT__PER_MINUTE", "6".into()),
                ("ATELIO_GATEWAY__RATE_LIMIT__BURST", "4".into()),
                ("ATELIO_GATEWAY__RATE_LIMIT__MAX_WAIT_MS", "0".into()),
            ],
        )
    };
    let (a, b) = (shared(&upstream), shared(&upstream));
    let (on_a, on_b) = (client(&a).await, client(&b).await);
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..20 {
        let mut c = if i % 2 == 0 {
            on_a.clone()
        } else {
            on_b.clone()
        };
        calls.spawn(async move {
            c.get_customer(pb::GetCustomerRequest {
                customer_id: crate::helpers::fixtures::CUSTOMER_ID.into(),
            })
            .await
            .map_err(|s| s.code())
        });
    }
    let mut answered = 0;
    while let Some(r) = calls.join_next().await {
        match r.expect("task") {
            Ok(_) => answered += 1,
            Err(code) => assert_eq!(code, Code::ResourceExhausted),
        }
    }
    assert_eq!(answered, 4, "one burst of 4 for both replicas");
    assert_eq!(
        upstream.hits("GET", &path),
        4,
        "Atelio saw one budget's worth"
    );
    drop((a.kill(), b.kill()));
}
