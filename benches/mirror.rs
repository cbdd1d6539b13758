//! Benchmark of the verification mirror (not a test), the gateway and its Atelio emulator wired
//! in this process as `serve --sandbox` does (first poll after 1 s, at most every 5 s), driven
//! over real gRPC on loopback. Run: `cargo bench --bench mirror` (about a minute).
//!
//! 1. Lost webhooks: 200 KYCs that pass (40 a second, within a budget of 6,000/min, since
//!    reconciliation only uses capacity callers leave), 30 % of webhooks lost. For each outcome, the time from
//!    the emulator's decision (its start answer + the outcome delay) to the subscriber, for
//!    outcomes that came by webhook and those reconciliation relayed (p50/p99), and the status
//!    reads reconciliation spent.
//! 2. Status polling at 10x the budget: callers read 20 subjects' status with
//!    `max_staleness = 2 s` at 10x `rate_limit.per_minute` while a KYC start runs every 200 ms:
//!    the upstream calls made, the staleness of the answers (p99) and a start's time (p99, beside
//!    the same starts unloaded).
//! 3. A status read served from the mirror against the gateway's own health check, closed loop,
//!    16 in flight: the ratio of their rates (target >= 0.8).
use std::collections::HashMap;
use std::time::{Duration, Instant};

use atelio_gateway::app::sandboxed;
use atelio_gateway::config::{Config, StoreBackend};
use atelio_gateway::proto::v1 as pb;
use atelio_gateway::sandbox::{Faults, SandboxConfig};
use pb::customer_service_client::CustomerServiceClient as Customers;
use pb::verification_event::Subject;
use tokio_stream::StreamExt;
use tonic::transport::Channel;

const PROGRAM: &str = "3f1b9a52-6d1e-4c3a-8a4f-0c9e7d2b5a61";
const OUTCOME_DELAY: Duration = Duration::from_millis(200);
const BUDGET_PER_MINUTE: u32 = 1_200;

fn config(per_minute: u32) -> Config {
    let mut c = Config::default();
    c.server.grpc_addr = ([127, 0, 0, 1], 0).into();
    c.webhook.listen_addr = ([127, 0, 0, 1], 0).into();
    c.admin.listen_addr = ([127, 0, 0, 1], 0).into();
    c.idempotency.store = StoreBackend::Memory;
    c.events.store = StoreBackend::Memory;
    c.rate_limit.per_minute = per_minute;
    c.rate_limit.burst = 20;
    c.mirror.reconcile_share = 0.5;
    c.log.level = "warn".into();
    c
}

async fn wired(loss: f64, per_minute: u32) -> (Channel, atelio_gateway::sandbox::SandboxHandle) {
    let emu = SandboxConfig {
        outcome_delay: OUTCOME_DELAY,
        faults: Faults {
            webhook_loss_rate: loss,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    };
    let w = sandboxed::build(config(per_minute), emu, ([127, 0, 0, 1], 0).into())
        .await
        .expect("wired");
    let addr = w.app.grpc_addr();
    tokio::spawn(w.app.run_until_stopped(std::future::pending::<()>()));
    let channel = Channel::from_shared(format!("http://{addr}"))
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    (channel, w.sandbox)
}

fn customer(ssn: &str) -> pb::Customer {
    let address = pb::Address {
        address_type: pb::AddressType::Physical as i32,
        street: "345 California St".into(),
        city: "San Francisco".into(),
        state: "CA".into(),
        zip_code: "94104".into(),
        country: "US".into(),
        is_primary: true,
        ..Default::default()
    };
    pb::Customer {
        first_name: "Nick".into(),
        last_name: "Smith".into(),
        dob: "1990-02-13".into(),
        ssn: ssn.into(),
        addresses: vec![address],
        ..Default::default()
    }
}

/// Creates a customer that passes and starts its KYC; its id and when the start was answered.
async fn verify(channel: &Channel) -> (String, Instant) {
    verify_with(channel, "123-45-6789").await
}

/// Same, for a customer with this SSN (a sandbox trigger value).
async fn verify_with(channel: &Channel, ssn: &str) -> (String, Instant) {
    let mut c = Customers::new(channel.clone());
    let req = pb::CreateCustomerRequest {
        customer: Some(customer(ssn)),
        request_id: String::new(),
    };
    let created = c.create_customer(req).await.expect("create").into_inner();
    let id = created.customer.expect("customer").customer_id;
    let start = pb::StartCustomerKycRequest {
        customer_id: id.clone(),
        program_id: PROGRAM.into(),
        ..Default::default()
    };
    c.start_customer_kyc(start).await.expect("start");
    (id, Instant::now())
}

/// The sum of a metric's samples whose line contains `having`.
fn metric(name: &str, having: &str) -> f64 {
    let text = atelio_gateway::metrics::get().render();
    let full = format!("atelio_gateway_{name}");
    text.lines()
        .filter(|l| l.starts_with(&full) && l.contains(having))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1e3
}

fn line(what: &str, mut all: Vec<Duration>) -> String {
    all.sort();
    format!(
        "{what}: {} outcomes, p50 {:.0} ms, p99 {:.0} ms",
        all.len(),
        pct(&all, 0.5),
        pct(&all, 0.99)
    )
}

async fn lost_webhooks() {
    const N: usize = 200;
    // Starts at 80 calls/s leave spare capacity in 100/s: reconciliation uses only that.
    let (channel, _emu) = wired(0.3, 6_000).await;
    let polls_before = metric("reconcile_polls_total", "");
    let req = pb::SubscribeVerificationEventsRequest {
        filter: None,
        start: Some(pb::subscribe_verification_events_request::Start::FromNow(
            true,
        )),
    };
    let mut events =
        pb::verification_event_service_client::VerificationEventServiceClient::new(channel.clone())
            .subscribe_verification_events(req)
            .await
            .expect("subscribe")
            .into_inner();
    let starts = tokio::spawn({
        let channel = channel.clone();
        async move {
            let mut out = HashMap::new();
            for _ in 0..N {
                let (id, at) = verify(&channel).await;
                out.insert(id, at);
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            out
        }
    });
    let mut arrived: Vec<(String, Instant, pb::EventOrigin)> = Vec::new();
    while arrived.len() < N {
        let item = tokio::time::timeout(Duration::from_secs(30), events.next()).await;
        let Ok(Some(Ok(item))) = item else {
            panic!("outcomes stopped after {}", arrived.len())
        };
        if let Some(pb::subscribe_verification_events_response::Item::Event(e)) = item.item
            && let Some(Subject::CustomerId(id)) = &e.subject
        {
            arrived.push((id.clone(), Instant::now(), e.origin()));
        }
    }
    let started = starts.await.expect("starts");
    let (mut hooked, mut reconciled) = (Vec::new(), Vec::new());
    for (id, at, origin) in arrived {
        let decided = started[&id] + OUTCOME_DELAY;
        let took = at.saturating_duration_since(decided);
        match origin {
            pb::EventOrigin::Reconciled => reconciled.push(took),
            _ => hooked.push(took),
        }
    }
    let polls = metric("reconcile_polls_total", "") - polls_before;
    println!("1. {N} passing KYCs, 30 % of webhooks lost, decision -> subscriber");
    println!("   {}", line("by webhook   ", hooked));
    println!("   {}", line("reconciled   ", reconciled));
    println!(
        "   reconciliation spent {polls:.0} status reads ({:.2} per verification)",
        polls / N as f64
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    println!(
        "mirror benchmark, commit {commit}, {}",
        chrono::Utc::now().format("%Y-%m-%d")
    );
    rt.block_on(async {
        lost_webhooks().await;
        polling::run().await;
        polling::mirror_against_health().await;
    });
}

#[path = "support/mirror_polling.rs"]
mod polling;
