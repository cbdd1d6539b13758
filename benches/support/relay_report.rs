//! The webhooks benchmark's printout: each figure beside its baselines, as ratios, with the
//! commit and the date of the run.
// Shared by several benchmarks, each using part of it.
#![allow(dead_code)]
use super::relay::Latency;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum System {
    Gateway,
    GatewayFull,
    GatewayBefore,
    Echo,
    RedisEverysec,
    RedisAlways,
    JetStream,
}

impl System {
    /// The systems that relay to subscribers (fan-out).
    pub const BROKERS: [System; 4] = [
        System::Gateway,
        System::RedisEverysec,
        System::RedisAlways,
        System::JetStream,
    ];

    fn label(self) -> &'static str {
        match self {
            System::Gateway => "gateway",
            System::GatewayFull => "gateway, SQLite synchronous=FULL",
            System::GatewayBefore => "gateway, BENCH_GATEWAY_BEFORE build",
            System::Echo => "hyper HTTP/1.1 echo",
            System::RedisEverysec => "Redis XADD, AOF everysec",
            System::RedisAlways => "Redis XADD, AOF always",
            System::JetStream => "NATS JetStream publish+ack",
        }
    }
}

/// One system's figure (with the spread of its rounds, when it had several).
pub struct Row {
    pub system: System,
    pub value: f64,
    spread: Option<(f64, f64)>,
    /// Server CPU per event, µs (ingest).
    cpu: Option<f64>,
}

impl Row {
    pub fn new(system: System, value: f64) -> Row {
        Row {
            system,
            value,
            spread: None,
            cpu: None,
        }
    }

    /// The median of rounds of (events/s, server CPU µs per event), each taken on its own.
    pub fn median(system: System, rounds: Vec<(f64, f64)>) -> Row {
        let sorted = |mut v: Vec<f64>| {
            v.sort_by(|a, b| a.total_cmp(b));
            v
        };
        let rates = sorted(rounds.iter().map(|r| r.0).collect());
        let cpus = sorted(rounds.iter().map(|r| r.1).collect());
        Row {
            system,
            value: rates[rates.len() / 2],
            spread: Some((rates[0], rates[rates.len() - 1])),
            cpu: Some(cpus[cpus.len() / 2]),
        }
    }
}

fn find(rows: &[Row], s: System) -> Option<f64> {
    rows.iter().find(|r| r.system == s).map(|r| r.value)
}

fn ratio(what: &str, a: Option<f64>, b: Option<f64>, target: &str) {
    if let (Some(a), Some(b)) = (a, b) {
        println!("    {what}: {:.2} ({target})", a / b);
    }
}

pub fn header(redis_store: bool) {
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let store = if redis_store {
        "every store on Redis (AOF, appendfsync always)"
    } else {
        "SQLite (synchronous=NORMAL; a second gateway with FULL for ingest)"
    };
    println!(
        "webhooks benchmark: commit {commit}, {} UTC, {} cores, loopback; gateway: {store}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M"),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
}

pub fn ingest(what: &str, rows: &[Row]) {
    println!(
        "ingest, {what} (events/s acked once stored, median of 3 rounds; server CPU per event):"
    );
    for r in rows {
        let spread = r
            .spread
            .map_or(String::new(), |(lo, hi)| format!("({lo:.0}..{hi:.0})"));
        let cpu = r
            .cpu
            .map_or(String::new(), |c| format!("{c:>7.1} µs CPU/event"));
        println!(
            "  {:<34} {:>8.0} {spread:<16} {cpu}",
            r.system.label(),
            r.value
        );
    }
    let cpu = |s: System| rows.iter().find(|r| r.system == s).and_then(|r| r.cpu);
    ratio(
        "gateway CPU/event / echo CPU/event",
        cpu(System::Gateway),
        cpu(System::Echo),
        "reported",
    );
    ratio(
        "gateway / BENCH_GATEWAY_BEFORE build, events/s",
        find(rows, System::Gateway),
        find(rows, System::GatewayBefore),
        "reported",
    );
    ratio(
        "gateway / BENCH_GATEWAY_BEFORE build, CPU/event",
        cpu(System::Gateway),
        cpu(System::GatewayBefore),
        "reported",
    );
    let gw = find(rows, System::Gateway);
    let full = find(rows, System::GatewayFull);
    let one = what == "one at a time";
    let (t1, t64) = if one {
        ("target >= 1.0", "reported")
    } else {
        ("reported", "target >= 0.7")
    };
    ratio(
        "gateway / Redis everysec",
        gw,
        find(rows, System::RedisEverysec),
        t1,
    );
    ratio(
        "gateway FULL / Redis always",
        full,
        find(rows, System::RedisAlways),
        t1,
    );
    ratio(
        "gateway / Redis always",
        gw,
        find(rows, System::RedisAlways),
        "reported",
    );
    ratio(
        "gateway / JetStream",
        gw,
        find(rows, System::JetStream),
        "reported",
    );
    ratio("gateway / hyper echo", gw, find(rows, System::Echo), t64);
}

pub fn fanout_line(system: System, rate: u32, l: &Latency) {
    println!(
        "  {:<28} {rate:>5}/s: p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  ({} delivered, {} missing, {} out of order)",
        system.label(),
        l.p50,
        l.p99,
        l.max,
        l.delivered,
        l.missing,
        l.disordered
    );
}

/// p99 at the first rate, and the highest rate whose p99 stayed under 50 ms, per system.
pub fn fanout(subscribers: usize, runs: &[(System, Vec<(u32, Latency)>)]) {
    println!("fan-out, {subscribers} subscribers each on its own connection:");
    let first = |s: System| {
        runs.iter()
            .find(|(k, _)| *k == s)
            .and_then(|(_, v)| v.first().map(|(_, l)| l.p99))
    };
    let knee = |s: System| {
        runs.iter().find(|(k, _)| *k == s).map(|(_, v)| {
            v.iter()
                .filter(|(_, l)| l.p99 < 50.0 && l.missing == 0)
                .map(|(r, _)| f64::from(*r))
                .fold(0.0, f64::max)
        })
    };
    for (s, _) in runs {
        println!(
            "  {:<28} p99 at the first rate {:>6.2} ms; highest rate with p99 < 50 ms: {:.0}/s",
            s.label(),
            first(*s).unwrap_or(f64::NAN),
            knee(*s).unwrap_or(0.0)
        );
    }
    let best = [
        System::RedisEverysec,
        System::RedisAlways,
        System::JetStream,
    ]
    .into_iter()
    .filter_map(first)
    .reduce(f64::min);
    ratio(
        "gateway p99 / best broker's p99",
        first(System::Gateway),
        best,
        "target <= 1.0",
    );
    ratio(
        "gateway / Redis everysec, highest rate",
        knee(System::Gateway),
        knee(System::RedisEverysec),
        "target >= 1.0",
    );
    ratio(
        "gateway / Redis always, highest rate",
        knee(System::Gateway),
        knee(System::RedisAlways),
        "target >= 0.8 on the Redis store",
    );
    let lost: usize = runs
        .iter()
        .flat_map(|(_, v)| v)
        .map(|(_, l)| l.missing + l.disordered)
        .sum();
    println!("    missing or out of order, all runs: {lost}");
}

pub fn idle(n: usize, rows: &[Row]) {
    println!("idle subscriber, {n} each on its own connection (server RSS added per subscriber):");
    for r in rows {
        println!("  {:<34} {:>6.1} KiB", r.system.label(), r.value);
    }
    let gw = find(rows, System::Gateway);
    ratio(
        "gateway / Redis",
        gw,
        find(rows, System::RedisEverysec),
        "target <= 1.0",
    );
    ratio(
        "gateway / JetStream",
        gw,
        find(rows, System::JetStream),
        "reported",
    );
}
