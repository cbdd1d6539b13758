//! No outcome lost when webhooks are: the real binary under `serve --sandbox
//! --sandbox-webhook-loss-rate 1.0` still relays a passed KYC (origin `RECONCILED`), and the
//! wired pair with 30 % of webhooks lost relays every outcome of 300 verifications exactly once.
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use atelio_gateway::proto::v1 as pb;
use atelio_gateway::sandbox::{Faults, SandboxConfig};
use pb::customer_service_client::CustomerServiceClient;
use pb::subscribe_verification_events_request::Start;
use pb::verification_event_service_client::VerificationEventServiceClient;
use tonic::transport::Channel;

use super::e2e::{Events, next_event};
use super::kyc::{gateway_customer, kyc_start};
use crate::helpers::{emulator, fixtures};

/// `serve --sandbox` with `extra` flags, its stores in `dir`; the child and its gRPC address.
fn sandbox_binary(dir: &std::path::Path, extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_atelio-gateway"))
        .env_clear()
        .args(["serve", "--sandbox"])
        .args(extra)
        .env("ATELIO_GATEWAY__SERVER__GRPC_ADDR", "127.0.0.1:0")
        .env("ATELIO_GATEWAY__WEBHOOK__LISTEN_ADDR", "127.0.0.1:0")
        .env("ATELIO_GATEWAY__ADMIN__LISTEN_ADDR", "127.0.0.1:0")
        .env(
            "ATELIO_GATEWAY__IDEMPOTENCY__SQLITE_PATH",
            dir.join("gateway.sqlite3"),
        )
        .env("ATELIO_GATEWAY__LOG__FORMAT", "json")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the gateway starts");
    let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut addr = None;
    let mut lines = lines.map_while(Result::ok);
    for line in lines.by_ref() {
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        if let Some(a) = v["fields"]["grpc_addr"].as_str() {
            addr = Some(a.to_string());
            break;
        }
    }
    // Keep draining its log so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, addr.expect("the gateway logs its gRPC address"))
}

async fn subscribe(channel: &Channel) -> Events {
    let req = pb::SubscribeVerificationEventsRequest {
        filter: None,
        start: Some(Start::FromNow(true)),
    };
    VerificationEventServiceClient::new(channel.clone())
        .subscribe_verification_events(req)
        .await
        .expect("subscribe")
        .into_inner()
}

/// Creates a customer (default SSN: passes) and starts its KYC; its id.
async fn verify(customers: &mut CustomerServiceClient<Channel>, n: usize) -> String {
    let id = gateway_customer(customers, fixtures::customer(), &format!("c-{n}")).await;
    let kyc = kyc_start(&id, &format!("k-{n}"));
    customers.start_customer_kyc(kyc).await.expect("start");
    id
}

fn customer_of(e: &pb::VerificationEvent) -> String {
    match &e.subject {
        Some(pb::verification_event::Subject::CustomerId(id)) => id.clone(),
        other => panic!("a customer event, got {other:?}"),
    }
}

#[tokio::test]
async fn with_every_webhook_lost_a_passed_kyc_still_reaches_the_subscriber_reconciled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut child, addr) = sandbox_binary(dir.path(), &["--sandbox-webhook-loss-rate", "1.0"]);
    let channel = Channel::from_shared(format!("http://{addr}"))
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    let mut events = subscribe(&channel).await;
    let mut customers = CustomerServiceClient::new(channel.clone());
    let id = verify(&mut customers, 1).await;
    let event = next_event(&mut events).await;
    assert_eq!(event.kind(), pb::VerificationEventKind::KycSuccess);
    assert_eq!(event.origin(), pb::EventOrigin::Reconciled);
    assert_eq!(
        (customer_of(&event), event.program_id.as_str()),
        (id, emulator::PROGRAM)
    );
    let _ = child.kill();
    let _ = child.wait();
}

const VERIFICATIONS: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_thirty_percent_of_webhooks_lost_every_outcome_arrives_exactly_once() {
    let emu = SandboxConfig {
        faults: Faults {
            webhook_loss_rate: 0.3,
            ..Default::default()
        },
        ..emulator::config()
    };
    let app = super::e2e::start_with_config(emu, |c| c.rate_limit.per_minute = 60_000).await;
    let mut events = subscribe(&app.channel).await;
    let ids = start_all(&app.channel).await;
    let mut seen: HashMap<String, Vec<pb::EventOrigin>> = HashMap::new();
    while seen.len() < VERIFICATIONS {
        let e = next_event(&mut events).await;
        assert_eq!(e.kind(), pb::VerificationEventKind::KycSuccess, "{e:?}");
        seen.entry(customer_of(&e)).or_default().push(e.origin());
    }
    // Anything doubled would come within a few polls more.
    let late = tokio::time::timeout(Duration::from_secs(6), next_event(&mut events)).await;
    assert!(late.is_err(), "an outcome was relayed twice: {late:?}");
    for id in &ids {
        assert_eq!(seen.get(id).map(Vec::len), Some(1), "{id}");
    }
    let reconciled = seen
        .values()
        .filter(|o| o[0] == pb::EventOrigin::Reconciled)
        .count();
    // 30 % of 300 lost: far from 0 and from all, whatever the draw.
    assert!((30..=150).contains(&reconciled), "{reconciled} reconciled");
}

/// Starts `VERIFICATIONS` KYCs, 16 at a time; their customer ids.
async fn start_all(channel: &Channel) -> Vec<String> {
    let mut ids = Vec::new();
    let mut running = tokio::task::JoinSet::new();
    for n in 0..VERIFICATIONS {
        if running.len() >= 16 {
            ids.push(running.join_next().await.expect("task").expect("verify"));
        }
        let mut customers = CustomerServiceClient::new(channel.clone());
        running.spawn(async move { verify(&mut customers, n).await });
    }
    while let Some(id) = running.join_next().await {
        ids.push(id.expect("verify"));
    }
    ids
}
