//! The relay job every system in the webhooks benchmark does the same way: one ~350-byte JSON
//! event per publish, acked once stored; ingest with 1 or 64 publishers each with one request in
//! flight on its own connection; fan-out paced by 8 publishers to subscribers each on its own
//! connection, latency stamped (ns since a shared base) by the publisher just before sending.
// Shared by several benchmarks, each using part of it.
#![allow(dead_code)]
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// One connection that publishes an event and waits for its acknowledgement.
pub trait Publisher: Send + 'static {
    fn publish(&mut self, body: Vec<u8>) -> impl Future<Output = ()> + Send;
}

/// Opens publishers (one per sender).
pub trait Opener: Clone + Send + Sync + 'static {
    type P: Publisher;
    fn open(&self) -> impl Future<Output = Self::P> + Send;
}

static NEXT: AtomicU64 = AtomicU64::new(0);

/// The event: a KYC failure with its reasons, `stamp` as its inquiry id (~350 bytes); each one
/// distinct (its `occurred_at` counts up), so the gateway stores every one.
pub fn body(stamp: u64) -> Vec<u8> {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!(
        concat!(
            r#"{{"event":"kyc.verification.failure","customer_id":"2df10ec1-130f-41bb-b0cf-f3af48350eb7","#,
            r#""inquiry_id":"{stamp}","reasons":{{"ofac":"passed","bureau":"failed","mobile":"passed","#,
            r#""ip":"passed","email":"passed"}},"description":"Identity could not be verified against "#,
            r#"bureau records; ask the customer to check the name they entered.","#,
            r#""occurred_at":"2024-01-01T00:00:00.{n:09}Z"}}"#
        ),
        stamp = stamp,
        n = n % 1_000_000_000,
    )
    .into_bytes()
}

/// The stamp `body` put in a payload (what a subscriber received).
pub fn stamp_of(payload: &[u8]) -> Option<u64> {
    let key = br#""inquiry_id":""#;
    let at = payload.windows(key.len()).position(|w| w == key)? + key.len();
    let digits = payload[at..].iter().take_while(|b| b.is_ascii_digit());
    let text: Vec<u8> = digits.copied().collect();
    std::str::from_utf8(&text).ok()?.parse().ok()
}

/// Nanoseconds since `base` (the publisher's stamp).
pub fn now_ns(base: Instant) -> u64 {
    base.elapsed().as_nanos() as u64
}

/// Milliseconds from `stamp` to now.
pub fn since_ms(base: Instant, stamp: u64) -> f64 {
    now_ns(base).saturating_sub(stamp) as f64 / 1e6
}

/// Publishes `total` events from `concurrency` publishers; returns events/s.
pub async fn ingest<O: Opener>(opener: &O, concurrency: usize, total: usize) -> f64 {
    let per = total / concurrency;
    let mut pubs = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        pubs.push(opener.open().await);
    }
    let started = Instant::now();
    let tasks: Vec<_> = pubs
        .into_iter()
        .map(|mut p| {
            tokio::spawn(async move {
                for _ in 0..per {
                    p.publish(body(0)).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("publisher");
    }
    (per * concurrency) as f64 / started.elapsed().as_secs_f64()
}

/// Sends `rate` events/s for `for_` from 8 paced publishers; returns how many were sent.
pub async fn pace<O: Opener>(opener: &O, rate: u32, for_: Duration, base: Instant) -> usize {
    const SENDERS: u32 = 8;
    let every = Duration::from_secs_f64(f64::from(SENDERS) / f64::from(rate));
    let count = (for_.as_secs_f64() * f64::from(rate) / f64::from(SENDERS)) as usize;
    let mut tasks = Vec::new();
    for s in 0..SENDERS {
        let mut p = opener.open().await;
        tasks.push(tokio::spawn(async move {
            let offset = every.mul_f64(f64::from(s) / f64::from(SENDERS));
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + offset, every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            for _ in 0..count {
                tick.tick().await;
                p.publish(body(now_ns(base))).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("publisher");
    }
    count * SENDERS as usize
}

/// Latency percentiles of one paced fan-out run.
#[derive(Clone, Copy, Debug)]
pub struct Latency {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
    pub delivered: usize,
    pub missing: usize,
    pub disordered: usize,
}

/// What the subscribers saw: each one's latencies in arrival order and its out-of-order count.
pub fn summarize(per_subscriber: Vec<(Vec<f64>, usize)>, sent: usize) -> Latency {
    let n = per_subscriber.len();
    let disordered = per_subscriber.iter().map(|(_, d)| d).sum();
    let mut all: Vec<f64> = per_subscriber.into_iter().flat_map(|(s, _)| s).collect();
    all.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| {
        all.get(((all.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    Latency {
        p50: pct(0.5),
        p99: pct(0.99),
        max: pct(1.0),
        delivered: all.len(),
        missing: (sent * n).saturating_sub(all.len()),
        disordered,
    }
}

/// Counts deliveries whose sequence (stream id, JetStream sequence, cursor) is not above the
/// previous one's: a duplicate or a reorder.
pub struct Order {
    last_seq: u64,
    pub disordered: usize,
}

impl Order {
    pub fn new() -> Order {
        Order {
            last_seq: 0,
            disordered: 0,
        }
    }

    /// A delivery with the system's sequence (stream id, JetStream seq, cursor sequence).
    pub fn see(&mut self, seq: u64) {
        if seq <= self.last_seq {
            self.disordered += 1;
        }
        self.last_seq = seq;
    }
}

/// The resident memory of process `pid`, KiB.
pub fn rss_kib(pid: u32) -> u64 {
    super::gateway::status_kib(pid, "VmRSS:")
}

/// CPU time (user + system) process `pid` has used, in µs (from /proc, 100 Hz ticks).
pub fn cpu_us(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command (which may hold spaces) start after its closing parenthesis.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the command.
    f.get(11)
        .zip(f.get(12))
        .map_or(0, |(u, s)| (u + s) * 10_000)
}

/// `ingest`, with the CPU the server process `pid` spent per event (µs).
pub async fn ingest_measured<O: Opener>(
    o: &O,
    pid: u32,
    concurrency: usize,
    total: usize,
) -> (f64, f64) {
    let before = cpu_us(pid);
    let rate = ingest(o, concurrency, total).await;
    let spent = cpu_us(pid).saturating_sub(before) as f64;
    (rate, spent / (total / concurrency * concurrency) as f64)
}
