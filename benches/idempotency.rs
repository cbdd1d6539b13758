//! Benchmark of the idempotency step (not a test): what `Idempotency::once` adds to a mutating
//! call — begin (write the in-flight record) + complete (store the outcome) — with the SQLite
//! store, the Redis store (on a local redis-server) and the memory store, sequentially (latency) and with 64 concurrent
//! callers (new records per second). Run: `cargo bench --bench idempotency`.
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use atelio_gateway::{
    deadline::Deadline,
    grpc::{Call, GatewayError, Idempotency},
    idempotency::{
        IdempotencyStore, SystemClock, memory::MemoryStore, redis_store::RedisStore,
        sqlite::SqliteStore,
    },
    proto::v1 as pb,
    storage::Synchronous,
};

const SEQUENTIAL: usize = 5_000;
const CONCURRENT_CALLERS: usize = 64;
const CONCURRENT_RECORDS: usize = 40_000;

fn call() -> Call {
    Call::new(
        "atelio.gateway.v1.CustomerService/DeleteCustomer",
        "bench",
        Deadline::after(Duration::from_secs(30)),
    )
}

fn request(i: usize, run: &str) -> pb::DeleteCustomerRequest {
    pb::DeleteCustomerRequest {
        customer_id: "2df10ec1-130f-41bb-b0cf-f3af48350eb7".into(),
        request_id: format!("{run}-{i}"),
    }
}

async fn one(idem: &Idempotency, i: usize, run: &str) {
    let req = request(i, run);
    let out = idem
        .once(&call(), &req, async {
            Ok::<_, GatewayError>(pb::DeleteCustomerResponse {
                customer_id: req.customer_id.clone(),
            })
        })
        .await;
    assert!(out.is_ok());
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn sequential(idem: &Idempotency, run: &str) {
    let mut samples = Vec::with_capacity(SEQUENTIAL);
    for i in 0..SEQUENTIAL {
        let t = Instant::now();
        one(idem, i, run).await;
        samples.push(t.elapsed());
    }
    samples.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "  sequential, {SEQUENTIAL} calls: p50 {:.0} µs, p90 {:.0} µs, p99 {:.0} µs",
        us(percentile(&samples, 0.5)),
        us(percentile(&samples, 0.9)),
        us(percentile(&samples, 0.99))
    );
}

async fn concurrent(idem: Arc<Idempotency>, run: &'static str) {
    let per_task = CONCURRENT_RECORDS / CONCURRENT_CALLERS;
    let started = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENT_CALLERS)
        .map(|t| {
            let idem = idem.clone();
            tokio::spawn(async move {
                for i in 0..per_task {
                    one(&idem, t * per_task + i, run).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    let secs = started.elapsed().as_secs_f64();
    let n = per_task * CONCURRENT_CALLERS;
    println!(
        "  {CONCURRENT_CALLERS} concurrent callers, {n} new records: {:.0} records/s ({secs:.2} s)",
        n as f64 / secs
    );
}

async fn bench(name: &str, store: Arc<dyn IdempotencyStore>) {
    println!("{name}");
    let idem = Arc::new(Idempotency::new(store, Duration::from_secs(24 * 3600)));
    for i in 0..200 {
        one(&idem, i, "warmup").await;
    }
    sequential(&idem, "seq").await;
    concurrent(idem, "conc").await;
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("bench.sqlite3");
        for (sync, name) in [
            (Synchronous::Normal, "NORMAL: process-crash durable"),
            (
                Synchronous::Full,
                "FULL: host-crash durable, fsync per commit",
            ),
        ] {
            let path = path.with_extension(format!("{sync:?}"));
            let sqlite = tokio::task::spawn_blocking(move || {
                SqliteStore::open_with(&path, Arc::new(SystemClock), sync)
            })
            .await
            .expect("join")
            .expect("open");
            bench(
                &format!(
                    "idempotency step, SQLite store (WAL, synchronous={name}, batched commits)"
                ),
                Arc::new(sqlite),
            )
            .await;
        }
        let redis = atelio_gateway::storage::redis_server::RedisServer::start(true);
        let conn = redis.connection().await;
        bench(
            "idempotency step, Redis store (AOF, appendfsync always, one Lua script per step)",
            Arc::new(RedisStore::new(conn, "bench", Arc::new(SystemClock))),
        )
        .await;
        bench(
            "idempotency step, memory store",
            Arc::new(MemoryStore::new(1_000_000, Arc::new(SystemClock))),
        )
        .await;
    });
}
