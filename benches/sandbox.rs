//! Benchmark of the Atelio sandbox emulator (not a test): simple reads (`GET /customers/{id}`
//! with the API key) answered per second, fault and quirk switches off and the per-minute limit
//! off, so it can be shown never to be the bottleneck of a gateway benchmark. The emulator runs
//! on a 2-thread runtime, the load generator (keep-alive HTTP/1.1, like wrk) on one thread of
//! the same machine. Run: `cargo bench --bench sandbox`.
#[path = "support/http1.rs"]
mod http1;

use std::time::{Duration, Instant};

use atelio_gateway::sandbox::{self, SandboxConfig};

const IDENTITY: &str = "bench-identity";
const AUTHORIZATION: &str = "bench-secret";

fn customer() -> String {
    r#"{"first_name":"Nick","last_name":"Smith","dob":"1990-02-13","addresses":[{"address_type":"PHYSICAL","street":"345 California St","city":"San Francisco","state":"CA","zip_code":"94104","country":"US","is_primary":true}]}"#.to_string()
}

async fn reads(base: &str, id: &str, connections: usize, for_: Duration) -> f64 {
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let (base, path) = (base.to_string(), format!("/customers/{id}"));
            tokio::spawn(async move {
                let mut conn = http1::Conn::open(&base).await;
                let mut n = 0u64;
                let auth = [("identity", IDENTITY), ("authorization", AUTHORIZATION)];
                while started.elapsed() < for_ {
                    assert_eq!(conn.get(&path, &auth).await, 200);
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut total = 0;
    for t in tasks {
        total += t.await.expect("reader");
    }
    total as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let cfg = SandboxConfig {
        identity: IDENTITY.into(),
        authorization: AUTHORIZATION.into(),
        rate_limit_per_min: 0,
        ..Default::default()
    };
    let handle = server.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        sandbox::start(cfg, listener).expect("emulator")
    });
    let base = handle.base_url();
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    client.block_on(async {
        let http = reqwest::Client::new();
        let created: serde_json::Value = http
            .post(format!("{base}/customers"))
            .header("Identity", IDENTITY)
            .header("Authorization", AUTHORIZATION)
            .header("content-type", "application/json")
            .body(customer())
            .send()
            .await
            .expect("create")
            .json()
            .await
            .expect("json");
        let id = created["customer_id"].as_str().expect("id").to_string();
        println!(
            "sandbox emulator, GET /customers/{{id}} (API key checked, limits and faults off)"
        );
        for connections in [1, 16, 64] {
            let mut rounds: Vec<f64> = Vec::new();
            for _ in 0..3 {
                rounds.push(reads(&base, &id, connections, Duration::from_secs(2)).await);
            }
            rounds.sort_by(|a, b| a.total_cmp(b));
            println!(
                "  {connections:>2} connections: {:>7.0} reads/s median of 3 rounds ({:.0}..{:.0})",
                rounds[1], rounds[0], rounds[2]
            );
        }
    });
}
