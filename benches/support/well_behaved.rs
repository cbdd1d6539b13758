//! The well-behaved side of the abuse benchmark, each actor tallying per phase (0 unloaded,
//! 1 under abuse): a webhook sender posting signed events at a fixed rate over keep-alive
//! connections (reconnecting when one breaks), a gRPC client calling GetCustomer, a subscriber
//! counting every event it reads, and a health poller.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use atelio_gateway::proto::v1 as pb;
use tokio_stream::StreamExt;
use tonic::transport::Channel;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

use super::http1::Conn;
use super::load::{body, signature};

/// The run's phase: 0 unloaded, 1 under abuse, 2 over.
#[derive(Clone, Default)]
pub struct Phase(Arc<AtomicUsize>);

impl Phase {
    pub fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
    pub fn set(&self, p: usize) {
        self.0.store(p, Ordering::Relaxed);
    }
}

/// What one actor saw in one phase.
#[derive(Default, Clone)]
pub struct Tally {
    pub ok: u64,
    pub failed: BTreeMap<String, u64>,
    pub ms: Vec<f64>,
}

impl Tally {
    pub fn failed_total(&self) -> u64 {
        self.failed.values().sum()
    }
    /// The `p` quantile of the recorded latencies, ms.
    pub fn quantile(&self, p: f64) -> f64 {
        let mut s = self.ms.clone();
        s.sort_by(|a, b| a.total_cmp(b));
        s.get(((s.len().max(1) - 1) as f64 * p) as usize)
            .copied()
            .unwrap_or(f64::NAN)
    }
}

/// One tally per phase.
pub type Tallies = Arc<Mutex<[Tally; 2]>>;

fn record(t: &Tallies, phase: usize, outcome: Result<(), String>, started: Instant) {
    if phase > 1 {
        return;
    }
    let mut all = t.lock().expect("tallies");
    let tally = &mut all[phase];
    tally.ms.push(started.elapsed().as_secs_f64() * 1e3);
    match outcome {
        Ok(()) => tally.ok += 1,
        Err(why) => *tally.failed.entry(why).or_default() += 1,
    }
}

/// Posts signed events at `rate`/s over `conns` keep-alive connections until the run is over.
pub fn sender(url: &str, rate: u32, conns: u32, phase: &Phase) -> Tallies {
    let tallies = Tallies::default();
    let every = Duration::from_secs_f64(f64::from(conns) / f64::from(rate));
    for _ in 0..conns {
        let (url, phase, tallies) = (url.to_string(), phase.clone(), tallies.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            // Open loop: a late post does not cancel the next (events queue at the sender).
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let mut conn = Conn::try_open(&url).await.ok();
            while phase.get() < 2 {
                tick.tick().await;
                let (now, started) = (phase.get(), Instant::now());
                if conn.is_none() {
                    conn = Conn::try_open(&url).await.ok();
                }
                let b = body("good");
                let answer = match conn.as_mut() {
                    Some(c) => c.try_post(("bond-signature", &signature(&b)), &b).await,
                    None => Err(std::io::ErrorKind::ConnectionRefused.into()),
                };
                let outcome = match answer {
                    Ok(200) => Ok(()),
                    Ok(status) => Err(format!("HTTP {status}")),
                    Err(e) => {
                        conn = None;
                        Err(format!("{:?}", e.kind()))
                    }
                };
                record(&tallies, now, outcome, started);
            }
        });
    }
    tallies
}

/// A request carrying `token`.
pub fn authed<T>(msg: T, token: &str) -> tonic::Request<T> {
    let mut req = tonic::Request::new(msg);
    let v = format!("Bearer {token}").parse().expect("ascii token");
    req.metadata_mut().insert("authorization", v);
    req
}

/// `workers` callers each calling GetCustomer back to back until the run is over.
pub fn caller(
    channel: &Channel,
    token: &'static str,
    id: &str,
    workers: usize,
    phase: &Phase,
) -> Tallies {
    let tallies = Tallies::default();
    for _ in 0..workers {
        let mut client = pb::customer_service_client::CustomerServiceClient::new(channel.clone());
        let (phase, tallies, id) = (phase.clone(), tallies.clone(), id.to_string());
        tokio::spawn(async move {
            while phase.get() < 2 {
                let (now, started) = (phase.get(), Instant::now());
                let msg = pb::GetCustomerRequest {
                    customer_id: id.clone(),
                };
                let answer = client.get_customer(authed(msg, token)).await;
                let outcome = answer.map(|_| ()).map_err(|s| format!("{:?}", s.code()));
                record(&tallies, now, outcome, started);
            }
        });
    }
    tallies
}

/// A subscriber reading every event from now on; the count of events it has read.
pub async fn reader(channel: &Channel, token: &str) -> Arc<AtomicU64> {
    let req = pb::SubscribeVerificationEventsRequest {
        filter: None,
        start: Some(pb::subscribe_verification_events_request::Start::FromNow(
            true,
        )),
    };
    let mut stream =
        pb::verification_event_service_client::VerificationEventServiceClient::new(channel.clone())
            .subscribe_verification_events(authed(req, token))
            .await
            .expect("the good subscriber is admitted")
            .into_inner();
    let count = Arc::new(AtomicU64::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Some(Ok(msg)) = stream.next().await {
            if let Some(pb::subscribe_verification_events_response::Item::Event(_)) = msg.item {
                seen.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    count
}

/// Asks the overall health every 100 ms; ok means SERVING.
pub fn health(channel: &Channel, phase: &Phase) -> Tallies {
    let tallies = Tallies::default();
    let (mut client, phase, t) = (
        HealthClient::new(channel.clone()),
        phase.clone(),
        tallies.clone(),
    );
    tokio::spawn(async move {
        while phase.get() < 2 {
            let (now, started) = (phase.get(), Instant::now());
            let req = HealthCheckRequest {
                service: String::new(),
            };
            let outcome = match client.check(req).await {
                Ok(r) if r.get_ref().status == 1 => Ok(()),
                Ok(r) => Err(format!("status {}", r.get_ref().status)),
                Err(s) => Err(format!("{:?}", s.code())),
            };
            record(&t, now, outcome, started);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    tallies
}
