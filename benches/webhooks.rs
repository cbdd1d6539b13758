//! Benchmark of the inbound path (not a test): webhook ingest (signature verified + durably
//! stored in SQLite), webhook → subscriber latency with 100 subscribers at rising rates, and the
//! memory of an idle subscriber. The gateway is the release binary in its own process; the load
//! generator (this process) runs on the same machine. Run: `cargo bench --bench webhooks`;
//! `BENCH_STORE=redis cargo bench --bench webhooks` does the same with every store on Redis;
//! `BENCH_SQLITE_SYNCHRONOUS=full` runs the SQLite stores host-crash durable (fsync per commit);
//! `BENCH_INGEST_ONLY=1` stops after the ingest figures.
#[path = "support/gateway.rs"]
mod gateway;
#[path = "support/http1.rs"]
mod http1;
#[path = "support/load.rs"]
mod load;

use std::time::Duration;

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let gw = gateway::Gateway::start();
        let store = if std::env::var("BENCH_STORE").as_deref() == Ok("redis") {
            "Redis (AOF, appendfsync always)"
        } else if std::env::var("BENCH_SQLITE_SYNCHRONOUS").as_deref() == Ok("full") {
            "SQLite (synchronous=FULL)"
        } else {
            "SQLite (synchronous=NORMAL)"
        };
        println!("webhook ingest (verified + stored in {store}, 200 only after the write)");
        let one = rounds(5, || load::ingest(&gw.webhook_url, 1, 10_000)).await;
        println!("  one at a time:         {}", one.line());
        let many = rounds(5, || load::ingest(&gw.webhook_url, 64, 40_000)).await;
        println!("  64 concurrent senders: {}", many.line());
        if std::env::var("BENCH_INGEST_ONLY").is_ok() {
            gw.stop();
            return;
        }
        println!("webhook -> subscriber latency, 100 subscribers each receiving every event");
        for rate in [1_000u32, 2_000, 3_000, 4_000, 5_000] {
            let l = load::latency(&gw, 100, rate, Duration::from_secs(5)).await;
            println!("  {rate:>5} events/s: p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>6.2} ms  ({} deliveries, {} missing)", l.p50, l.p99, l.max, l.delivered, l.missing);
        }
        let per = load::idle_memory(&gw, 2_000).await;
        println!("idle subscriber: {per:.1} KiB of gateway RSS each (2000 idle streams)");
        gw.stop();
    });
}

/// Throughput over several rounds: the median, with the slowest and fastest round (this machine
/// is shared and noisy, so one round says little).
struct Rounds(Vec<f64>);

impl Rounds {
    fn line(&self) -> String {
        let median = self.0[self.0.len() / 2];
        let (low, high) = (self.0[0], self.0[self.0.len() - 1]);
        format!(
            "{median:>7.0} events/s median of {} rounds ({low:.0}..{high:.0})",
            self.0.len()
        )
    }
}

async fn rounds<F, Fut>(n: usize, mut round: F) -> Rounds
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = f64>,
{
    let mut all = Vec::with_capacity(n);
    for _ in 0..n {
        all.push(round().await);
    }
    all.sort_by(|a, b| a.total_cmp(b));
    Rounds(all)
}
