//! The abuse benchmark (not a test): the release gateway in its own process, the Atelio emulator
//! (100 ms per answer) as its upstream, and on loopback a well-behaved webhook sender, gRPC
//! client and subscriber, measured first alone (10 s) and then for 20 s beside: 2,000
//! connections sending half a request and 2,000 sending nothing to the webhook port (each
//! reconnecting once closed), 10,000 idle event subscriptions, a flood of badly signed webhooks,
//! a subscriber that never reads, and unary calls at 4x what the gateway serves. It prints
//! what the well-behaved side got, what the abusers got and the gateway's memory and
//! descriptors. Run: `cargo bench --bench abuse` (about a minute).
#[path = "support/abusers.rs"]
mod abusers;
#[path = "support/gateway.rs"]
mod gateway;
#[path = "support/http1.rs"]
mod http1;
#[path = "support/load.rs"]
mod load;
#[path = "support/report.rs"]
mod report;
#[path = "support/well_behaved.rs"]
mod well_behaved;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tonic::transport::Channel;
use well_behaved::Phase;

const GOOD: &str = "good-caller-token-0123456789abcdef";
const FLOOD: &str = "flood-caller-token-0123456789abcdef";
const STALL: &str = "stall-caller-token-0123456789abcdef";
const IDLE: [&str; 5] = [
    "idle0-caller-token-0123456789abcdef",
    "idle1-caller-token-0123456789abcdef",
    "idle2-caller-token-0123456789abcdef",
    "idle3-caller-token-0123456789abcdef",
    "idle4-caller-token-0123456789abcdef",
];
/// The gateway serves `IN_FLIGHT` calls at once, each taking the emulator's `LATENCY`.
const IN_FLIGHT: u32 = 16;
const LATENCY: Duration = Duration::from_millis(100);
const GOOD_RATE: u32 = 200;
const UNLOADED: Duration = Duration::from_secs(10);
const ABUSED: Duration = Duration::from_secs(20);

fn tokens_file(dir: &std::path::Path) -> std::path::PathBuf {
    let mut text = String::new();
    let all = [("good", GOOD), ("flood", FLOOD), ("stall", STALL)];
    let idle = IDLE
        .iter()
        .enumerate()
        .map(|(i, t)| (["idle0", "idle1", "idle2", "idle3", "idle4"][i], *t));
    for (name, token) in all.into_iter().chain(idle) {
        text.push_str(&format!(
            "[[caller]]\nname = \"{name}\"\ntoken = \"{token}\"\nmethods = [\"*\"]\n\n"
        ));
    }
    let path = dir.join("callers.toml");
    std::fs::write(&path, text).expect("tokens file");
    path
}

/// The emulator with its per-minute limit off and `LATENCY` on every answer, and one customer.
async fn emulator() -> (atelio_gateway::sandbox::SandboxHandle, String) {
    let mut cfg = atelio_gateway::sandbox::SandboxConfig {
        identity: "bench".into(),
        authorization: "bench".into(),
        rate_limit_per_min: 0,
        ..Default::default()
    };
    cfg.faults.latency = LATENCY;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let handle = atelio_gateway::sandbox::start(cfg, listener).expect("emulator");
    let body = r#"{"first_name":"Nick","last_name":"Smith","dob":"1990-02-13","addresses":[{"address_type":"PHYSICAL","street":"345 California St","city":"San Francisco","state":"CA","zip_code":"94104","country":"US","is_primary":true}]}"#;
    let created: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/customers", handle.base_url()))
        .header("Identity", "bench")
        .header("Authorization", "bench")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let id = created["customer_id"]
        .as_str()
        .expect("customer id")
        .to_string();
    (handle, id)
}

fn start_gateway(upstream: &str, dir: &std::path::Path) -> gateway::Gateway {
    gateway::Gateway::start_with(&[
        ("ATELIO_GATEWAY__UPSTREAM__BASE_URL", upstream.to_string()),
        ("ATELIO_GATEWAY__AUTH__MODE", "tokens".into()),
        (
            "ATELIO_GATEWAY__AUTH__TOKENS_FILE",
            tokens_file(dir).display().to_string(),
        ),
        ("ATELIO_GATEWAY__RATE_LIMIT__PER_MINUTE", "6000000".into()),
        (
            "ATELIO_GATEWAY__SERVER__MAX_IN_FLIGHT",
            IN_FLIGHT.to_string(),
        ),
        (
            "ATELIO_GATEWAY__SERVER__MAX_IN_FLIGHT_PER_CALLER",
            (IN_FLIGHT / 2).to_string(),
        ),
        ("ATELIO_GATEWAY__EVENTS__STALL_TIMEOUT_MS", "5000".into()),
        ("ATELIO_GATEWAY__EVENTS__STORE", "memory".into()),
    ])
}

/// Reads a series from the gateway's `/metrics`, e.g. `streams_ended_total{reason="stalled"}`
/// (the `atelio_gateway_` prefix added; 0 when absent).
async fn metric(gw: &gateway::Gateway, series: &str) -> f64 {
    let url = format!("{}/metrics", gw.admin_url);
    let text = reqwest::get(url)
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let name = format!("atelio_gateway_{series} ");
    text.lines()
        .find_map(|l| l.strip_prefix(name.as_str()))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

async fn channel(gw: &gateway::Gateway) -> Channel {
    Channel::from_shared(gw.grpc_url.clone())
        .expect("uri")
        .connect()
        .await
        .expect("connect")
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_emulator, customer) = emulator().await;
    let gw = start_gateway(&_emulator.base_url(), dir.path());
    let rss_start = gw.rss_kib();
    let phase = Phase::default();
    let good = channel(&gw).await;
    let read = well_behaved::reader(&good, GOOD).await;
    let sent = well_behaved::sender(&gw.webhook_url, GOOD_RATE, 4, &phase);
    let calls = well_behaved::caller(&good, GOOD, &customer, 4, &phase);
    let health = well_behaved::health(&channel(&gw).await, &phase);
    let mut flood_chans = Vec::new();
    for _ in 0..4 {
        flood_chans.push(channel(&gw).await);
    }
    tokio::time::sleep(UNLOADED).await;

    phase.set(1);
    let abuse_start = Instant::now();
    let webhook_addr = gw
        .webhook_url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .expect("addr")
        .to_string();
    let half = abusers::silent(
        &webhook_addr,
        2_000,
        b"POST /webhooks/atelio HTTP/1.1\r\nHost: x\r\nContent-Le",
        &phase,
    );
    let idle = abusers::silent(&webhook_addr, 2_000, b"", &phase);
    let forged = abusers::bad_signatures(&gw.webhook_url, 4, &phase);
    let stall_start = Instant::now();
    let stalled = abusers::never_reads(&gw.grpc_url, STALL).await;
    let capacity = f64::from(IN_FLIGHT) / LATENCY.as_secs_f64();
    let flood = abusers::unary_flood(
        &flood_chans,
        FLOOD,
        &customer,
        (4.0 * capacity) as u32,
        &phase,
    );
    let (subs, subs_refused) = abusers::idle_subscriptions(&gw.grpc_url, &IDLE, 2_000, 100, &phase);
    let (mut peak_fds, mut cut_after) = (0, None);
    while abuse_start.elapsed() < ABUSED {
        tokio::time::sleep(Duration::from_millis(100)).await;
        peak_fds = peak_fds.max(gw.open_fds());
        if cut_after.is_none()
            && metric(&gw, "streams_ended_total{reason=\"stalled\"}").await >= 1.0
        {
            cut_after = Some(stall_start.elapsed());
        }
    }
    let (rss_abused, subs_held) = (gw.rss_kib(), subs.load(Ordering::Relaxed));
    phase.set(2);
    drop(stalled);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let accepted: u64 = sent.lock().expect("tallies").iter().map(|t| t.ok).sum();
    let caught_up = Instant::now();
    while read.load(Ordering::Relaxed) < accepted && caught_up.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let lost = accepted.saturating_sub(read.load(Ordering::Relaxed));

    println!(
        "abuse benchmark: release gateway, emulator upstream ({} ms per answer), loopback",
        LATENCY.as_millis()
    );
    report::good(&sent, &calls, &health, lost, [UNLOADED, ABUSED]);
    println!("abusers ({} s):", ABUSED.as_secs());
    report::closes(
        "2000 half-request connections",
        &half.lock().expect("closes"),
    );
    report::closes("2000 idle connections", &idle.lock().expect("closes"));
    report::answers(
        "badly signed webhooks (4 connections, back to back)",
        &forged.lock().expect("answers"),
    );
    println!(
        "  10000 idle subscriptions (5 callers x 2000, 100 connections): {subs_held} admitted, refused {:?}",
        subs_refused.lock().expect("answers")
    );
    match cut_after {
        Some(t) => println!(
            "  never-reading subscriber: cut {:.1} s after it began (events.stall_timeout_ms = 5000)",
            t.as_secs_f64()
        ),
        None => println!(
            "  never-reading subscriber: NOT cut within {} s",
            ABUSED.as_secs()
        ),
    }
    let what = format!(
        "unary flood at {:.0}/s (4x the {capacity:.0}/s the gateway serves)",
        4.0 * capacity
    );
    report::answers(&what, &flood.lock().expect("answers"));
    println!(
        "gateway: RSS {} MiB at start, {} MiB under abuse, peak {} MiB; open fds peak {peak_fds}",
        rss_start / 1024,
        rss_abused / 1024,
        gw.peak_rss_kib() / 1024
    );
    gw.stop();
}
