//! Benchmark of the inbound path (not a test), the gateway beside the baselines it must beat, in
//! one run on the same payload (~350-byte JSON event), the same concurrency and one connection
//! per subscriber: Redis Streams (`XADD`, AOF everysec and always), NATS JetStream
//! publish-with-ack (Debian's `nats-server`, skipped when absent) and a minimal hyper HTTP/1.1
//! echo (the floor for an HTTP ingest). Each figure is printed beside its baselines as ratios,
//! with the commit and date. Run: `cargo bench --bench webhooks`; `BENCH_STORE=redis` runs the
//! gateway with every store on Redis (AOF always); `BENCH_ONLY=ingest` (or `fanout`, `idle`) runs
//! one part;
//! `BENCH_GATEWAY_BEFORE=<binary>` measures another build of the gateway beside this one.
#[path = "support/echo.rs"]
mod echo;
#[path = "support/gateway.rs"]
mod gateway;
#[path = "support/gateway_relay.rs"]
mod gateway_relay;
#[path = "support/http1.rs"]
mod http1;
#[path = "support/load.rs"]
mod load;
#[path = "support/nats.rs"]
mod nats;
#[path = "support/redis_streams.rs"]
mod redis_streams;
#[path = "support/relay.rs"]
mod relay;
#[path = "support/relay_report.rs"]
mod relay_report;

use std::time::Duration;

use relay_report::{Row, System};

const SUBSCRIBERS: usize = 100;
const RATES: [u32; 6] = [1_000, 2_000, 3_000, 4_000, 6_000, 8_000];
const IDLE: usize = 1_000;

fn main() {
    if std::env::var_os("BENCH_ECHO").is_some() {
        return echo::serve();
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run());
}

struct Systems {
    gw: gateway::Gateway,
    /// The gateway host-crash durable (SQLite synchronous=FULL); None on the Redis store.
    gw_full: Option<gateway::Gateway>,
    /// Another build of the gateway (`BENCH_GATEWAY_BEFORE=<binary>`), for before/after figures.
    gw_before: Option<gateway::Gateway>,
    echo: echo::Echo,
    every: redis_streams::RedisStreams,
    always: redis_streams::RedisStreams,
    js: Option<nats::JetStream>,
}

async fn run() {
    let redis_store = std::env::var("BENCH_STORE").as_deref() == Ok("redis");
    relay_report::header(redis_store);
    let s = Systems {
        gw: gateway::Gateway::start(),
        gw_full: (!redis_store).then(|| {
            gateway::Gateway::start_with(&[("ATELIO_GATEWAY__SQLITE__SYNCHRONOUS", "full".into())])
        }),
        gw_before: std::env::var("BENCH_GATEWAY_BEFORE")
            .ok()
            .map(|bin| gateway::Gateway::start_binary(&bin, &[])),
        echo: echo::Echo::start(),
        every: redis_streams::RedisStreams::start("everysec").await,
        always: redis_streams::RedisStreams::start("always").await,
        js: nats::JetStream::start().await,
    };
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let part = |name: &str| only.is_empty() || only == name;
    if part("ingest") {
        for (what, concurrency, total) in
            [("one at a time", 1, 5_000), ("64 in flight", 64, 40_000)]
        {
            relay_report::ingest(what, &ingest(&s, concurrency, total).await);
        }
    }
    if part("fanout") {
        fanout(&s).await;
    }
    if !part("idle") {
        return;
    }
    // Each server is measured twice and the second figure kept: the first round also pays for
    // growing the heap, which the server keeps and reuses (a steady state is what is compared).
    let mut idle = Vec::new();
    for round in 0..2 {
        let mut got = vec![(
            System::Gateway,
            gateway_relay::idle_memory(&s.gw, IDLE).await,
        )];
        if let Some(before) = &s.gw_before {
            got.push((
                System::GatewayBefore,
                gateway_relay::idle_memory(before, IDLE).await,
            ));
        }
        got.push((System::RedisEverysec, s.every.idle_memory(IDLE).await));
        if let Some(js) = &s.js {
            got.push((System::JetStream, js.idle_memory(IDLE).await));
        }
        if round == 1 {
            idle = got.into_iter().map(|(k, v)| Row::new(k, v)).collect();
        }
    }
    relay_report::idle(IDLE, &idle);
}

/// Median events/s of 3 rounds per system, the rounds interleaved across systems.
async fn ingest(s: &Systems, concurrency: usize, total: usize) -> Vec<Row> {
    let mut rounds: Vec<(System, Vec<(f64, f64)>)> = Vec::new();
    let gateways = [
        (System::Gateway, Some(&s.gw)),
        (System::GatewayFull, s.gw_full.as_ref()),
        (System::GatewayBefore, s.gw_before.as_ref()),
    ];
    for _ in 0..3 {
        let mut got = Vec::new();
        for (system, gw) in gateways {
            if let Some(gw) = gw {
                let o = gateway_relay::Signed(gw.webhook_url.clone());
                got.push((
                    system,
                    relay::ingest_measured(&o, gw.pid, concurrency, total).await,
                ));
            }
        }
        let echo = gateway_relay::Signed(s.echo.url.clone());
        let echo_pid = s.echo.pid();
        got.push((
            System::Echo,
            relay::ingest_measured(&echo, echo_pid, concurrency, total).await,
        ));
        for (system, r) in [
            (System::RedisEverysec, &s.every),
            (System::RedisAlways, &s.always),
        ] {
            let pid = r.pid().await;
            got.push((
                system,
                relay::ingest_measured(&r.opener(), pid, concurrency, total).await,
            ));
        }
        if let Some(js) = &s.js {
            let m = relay::ingest_measured(&js.opener(), js.pid(), concurrency, total).await;
            got.push((System::JetStream, m));
        }
        for (system, m) in got {
            match rounds.iter_mut().find(|(k, _)| *k == system) {
                Some((_, v)) => v.push(m),
                None => rounds.push((system, vec![m])),
            }
        }
    }
    rounds
        .into_iter()
        .map(|(system, v)| Row::median(system, v))
        .collect()
}

/// Latency at rising rates until p99 reaches 50 ms, per system.
async fn fanout(s: &Systems) {
    let for_ = Duration::from_secs(5);
    let mut runs = Vec::new();
    for system in System::BROKERS {
        let mut seen = Vec::new();
        for rate in RATES {
            let l = match system {
                System::Gateway => gateway_relay::fanout(&s.gw, SUBSCRIBERS, rate, for_).await,
                System::RedisEverysec => s.every.fanout(SUBSCRIBERS, rate, for_).await,
                System::RedisAlways => s.always.fanout(SUBSCRIBERS, rate, for_).await,
                System::JetStream => match &s.js {
                    Some(js) => js.fanout(SUBSCRIBERS, rate, for_).await,
                    None => break,
                },
                System::Echo | System::GatewayFull | System::GatewayBefore => break,
            };
            relay_report::fanout_line(system, rate, &l);
            let over = l.p99 >= 50.0;
            seen.push((rate, l));
            if over {
                break;
            }
        }
        runs.push((system, seen));
    }
    relay_report::fanout(SUBSCRIBERS, &runs);
}
