//! Two gateway processes sharing one real `redis-server` for the event log and the mirror
//! (which follows the log's store): pending verifications started on either replica are polled
//! by one replica at a time, so Atelio sees each subject's status read once, and each
//! transition no webhook reported is relayed once into the shared log.
use std::collections::HashMap;
use std::time::Duration;

use atelio_gateway::proto::v1 as pb;
use atelio_gateway::storage::redis_server::RedisServer;
use pb::customer_service_client::CustomerServiceClient;
use pb::verification_event_service_client::VerificationEventServiceClient;
use serde_json::json;
use tonic::transport::Channel;

use crate::helpers::fixtures::PROGRAM_ID;
use crate::helpers::process::GatewayProcess;
use crate::helpers::{FakeUpstream, Reply};

const SUBJECTS: usize = 20;

fn replica(upstream: &FakeUpstream, redis: &RedisServer) -> GatewayProcess {
    GatewayProcess::start(
        &upstream.base_url(),
        &[
            ("ATELIO_GATEWAY__IDEMPOTENCY__STORE", "redis".into()),
            ("ATELIO_GATEWAY__EVENTS__STORE", "redis".into()),
            ("ATELIO_GATEWAY__REDIS__URL", redis.url()),
            ("ATELIO_GATEWAY__MIRROR__FIRST_POLL_MS", "1000".into()),
            (
                "ATELIO_GATEWAY__MIRROR__MAX_POLL_INTERVAL_MS",
                "2000".into(),
            ),
            ("ATELIO_GATEWAY__MIRROR__TICK_MS", "50".into()),
            ("ATELIO_GATEWAY__MIRROR__RECONCILE_SHARE", "1.0".into()),
        ],
    )
}

async fn channel(gw: &GatewayProcess) -> Channel {
    Channel::from_shared(format!("http://{}", gw.addr))
        .expect("uri")
        .connect()
        .await
        .expect("connect")
}

fn status_path(id: &str) -> String {
    format!("/customers/{id}/verification-kyc")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_redis_reconcile_each_subject_once() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let redis = RedisServer::start(false);
    let upstream = FakeUpstream::start().await;
    let (a, b) = (replica(&upstream, &redis), replica(&upstream, &redis));
    let channels = [channel(&a).await, channel(&b).await];
    let ids: Vec<String> = (0..SUBJECTS)
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    for (n, id) in ids.iter().enumerate() {
        let started = json!({ "customer_id": id, "kyc_status": "submitted" });
        upstream.on("POST", &status_path(id), vec![Reply::json(201, started)]);
        let passed = json!({ "customer_id": id, "kyc_status": "passed" });
        upstream.on("GET", &status_path(id), vec![Reply::json(200, passed)]);
        let req = pb::StartCustomerKycRequest {
            customer_id: id.clone(),
            program_id: PROGRAM_ID.into(),
            ..Default::default()
        };
        let mut client = CustomerServiceClient::new(channels[n % 2].clone());
        client.start_customer_kyc(req).await.expect("started");
    }
    let events = VerificationEventServiceClient::new(channels[0].clone());
    let listed = || {
        let mut events = events.clone();
        async move {
            let req = pb::ListVerificationEventsRequest {
                page_size: 100,
                ..Default::default()
            };
            let got = events.list_verification_events(req).await;
            got.expect("list").into_inner().events
        }
    };
    let until = tokio::time::Instant::now() + Duration::from_secs(30);
    while listed().await.len() < SUBJECTS {
        let polled = upstream.count() - SUBJECTS;
        assert!(
            tokio::time::Instant::now() < until,
            "every outcome relayed ({polled} polls so far)"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A second poll or relay would come within a poll interval or two.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let mut relayed: HashMap<String, usize> = HashMap::new();
    for e in listed().await {
        assert_eq!(e.origin(), pb::EventOrigin::Reconciled);
        if let Some(pb::verification_event::Subject::CustomerId(id)) = e.subject {
            *relayed.entry(id).or_default() += 1;
        }
    }
    for id in &ids {
        assert_eq!(relayed.get(id), Some(&1), "{id} relayed once");
        assert_eq!(
            upstream.hits("GET", &status_path(id)),
            1,
            "{id} polled once"
        );
    }
}
