//! Parts 2 and 3 of `benches/mirror.rs`: status polling at 10x the upstream budget beside KYC
//! starts, and a mirror-served status read against the health check.
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use atelio_gateway::proto::v1 as pb;
use pb::customer_service_client::CustomerServiceClient as Customers;
use tokio::sync::Mutex;
use tonic::transport::Channel;

use super::{BUDGET_PER_MINUTE, PROGRAM, metric, pct, verify, verify_with, wired};

const SUBJECTS: usize = 20;
const FOR: Duration = Duration::from_secs(10);

/// A customer whose KYC waits for documents (stays pending: reads need a fresh state).
async fn pending(channel: &Channel) -> String {
    verify_with(channel, "111-11-1111").await.0
}

fn read(id: &str, max_staleness: Duration) -> pb::GetCustomerKycStatusRequest {
    pb::GetCustomerKycStatusRequest {
        customer_id: id.into(),
        program_id: PROGRAM.into(),
        max_staleness: Some(prost_types::Duration {
            seconds: max_staleness.as_secs() as i64,
            nanos: max_staleness.subsec_nanos() as i32,
        }),
    }
}

/// How long each of `n` KYC starts took, one every `every`.
async fn starts(channel: &Channel, n: usize, every: Duration) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let began = Instant::now();
        let (_, answered) = verify(channel).await;
        out.push(answered - began);
        tokio::time::sleep(every).await;
    }
    out.sort();
    out
}

pub async fn run() {
    let (channel, _emu) = wired(0.0, BUDGET_PER_MINUTE).await;
    let mut ids = Vec::new();
    for _ in 0..SUBJECTS {
        ids.push(pending(&channel).await);
    }
    tokio::time::sleep(Duration::from_secs(3)).await; // the budget refills
    let unloaded = starts(&channel, 10, Duration::from_millis(200)).await;
    let rate = f64::from(BUDGET_PER_MINUTE) / 60.0 * 10.0;
    let calls_before = metric("upstream_requests_total", "customers.kyc.status");
    let stale = Arc::new(Mutex::new(Vec::new()));
    let (sent, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let began = Instant::now();
    let readers = {
        let (channel, stale, sent, failed) =
            (channel.clone(), stale.clone(), sent.clone(), failed.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
            let mut n = 0usize;
            while began.elapsed() < FOR {
                tick.tick().await;
                let (mut c, id) = (Customers::new(channel.clone()), ids[n % SUBJECTS].clone());
                let (stale, failed) = (stale.clone(), failed.clone());
                sent.fetch_add(1, Ordering::Relaxed);
                n += 1;
                tokio::spawn(async move {
                    match c
                        .get_customer_kyc_status(read(&id, Duration::from_secs(2)))
                        .await
                    {
                        Ok(r) => {
                            let as_of = r.into_inner().provenance.and_then(|p| p.as_of);
                            let ms = as_of
                                .map_or(0, |t| t.seconds * 1000 + i64::from(t.nanos / 1_000_000));
                            let age = (chrono::Utc::now().timestamp_millis() - ms).max(0);
                            stale.lock().await.push(Duration::from_millis(age as u64));
                        }
                        Err(_) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
        })
    };
    let loaded = starts(&channel, 40, Duration::from_millis(200)).await;
    readers.await.expect("readers");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let calls = metric("upstream_requests_total", "customers.kyc.status") - calls_before;
    let mut stale = stale.lock().await.clone();
    stale.sort();
    let seconds = began.elapsed().as_secs_f64();
    println!(
        "2. status reads at 10x the budget ({rate:.0}/s vs {:.0}/s), {SUBJECTS} pending subjects, max_staleness 2 s, a KYC start every 200 ms",
        rate / 10.0
    );
    println!(
        "   {} reads ({} failed), {calls:.0} upstream status calls ({:.1}/s, incl. reconciliation)",
        sent.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
        calls / seconds
    );
    println!(
        "   staleness of answers: p50 {:.0} ms, p99 {:.0} ms",
        pct(&stale, 0.5),
        pct(&stale, 0.99)
    );
    println!(
        "   KYC start (create + start): p99 {:.1} ms loaded vs {:.1} ms unloaded (ratio {:.2})",
        pct(&loaded, 0.99),
        pct(&unloaded, 0.99),
        pct(&loaded, 0.99) / pct(&unloaded, 0.99)
    );
}

/// Calls done by 16 callers in a closed loop over `for_`, per second.
async fn closed_loop<F, Fut>(for_: Duration, call: F) -> f64
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let began = Instant::now();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let call = call.clone();
            tokio::spawn(async move {
                let mut n = 0u64;
                while began.elapsed() < for_ {
                    assert!(call().await, "call failed");
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut total = 0;
    for t in tasks {
        total += t.await.expect("caller");
    }
    total as f64 / began.elapsed().as_secs_f64()
}

pub async fn mirror_against_health() {
    let (channel, _emu) = wired(0.0, BUDGET_PER_MINUTE).await;
    let (id, _) = verify(&channel).await;
    tokio::time::sleep(Duration::from_secs(2)).await; // passed, and learned
    let for_ = Duration::from_secs(3);
    let mut ratios = Vec::new();
    for _ in 0..3 {
        let ch = channel.clone();
        let health = closed_loop(for_, move || {
            let mut h = tonic_health::pb::health_client::HealthClient::new(ch.clone());
            async move {
                h.check(tonic_health::pb::HealthCheckRequest::default())
                    .await
                    .is_ok()
            }
        })
        .await;
        let (ch, id) = (channel.clone(), id.clone());
        let mirror = closed_loop(for_, move || {
            let (mut c, req) = (
                Customers::new(ch.clone()),
                read(&id, Duration::from_secs(3600)),
            );
            async move { c.get_customer_kyc_status(req).await.is_ok() }
        })
        .await;
        ratios.push((mirror / health, mirror, health));
    }
    ratios.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (ratio, mirror, health) = ratios[1];
    println!("3. closed loop, 16 in flight, median of 3 rounds");
    println!(
        "   mirror-served GetCustomerKycStatus {mirror:.0}/s vs health Check {health:.0}/s: ratio {ratio:.2} (target >= 0.8)"
    );
    let upstream = metric("mirror_status_reads_total", "source=\"upstream\"");
    println!("   (status reads that went upstream in the whole run: {upstream:.0})");
}
