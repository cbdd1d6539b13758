//! The load generator: signs and posts webhooks (one connection per sender, keep-alive), and
//! subscribes over gRPC to measure delivery latency and idle-stream memory.
// Shared by several benchmarks, each using part of it.
#![allow(dead_code)]
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use atelio_gateway::proto::v1 as pb;
use hmac::{Hmac, Mac};
use pb::verification_event_service_client::VerificationEventServiceClient as Client;
use sha2::Sha256;
use tokio_stream::StreamExt;
use tonic::transport::Channel;

use super::gateway::{Gateway, SECRET};
use super::http1::Conn;

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// A valid `Bond-Signature` for `body`, now.
pub fn signature(body: &[u8]) -> String {
    let t = chrono::Utc::now().timestamp();
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    format!("t={t},v2={}", hex::encode(mac.finalize().into_bytes()))
}

/// A unique KYC success event carrying `tag` as its inquiry id.
pub fn body(tag: &str) -> Vec<u8> {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    format!(
        r#"{{"event":"kyc.verification.success","customer_id":"2df10ec1-130f-41bb-b0cf-f3af48350eb7","inquiry_id":"{tag}","occurred_at":"2024-01-01T00:00:00.{id:09}Z"}}"#
    )
    .into_bytes()
}

async fn post(conn: &mut Conn, tag: &str) {
    let b = body(tag);
    let sig = signature(&b);
    let status = conn.post(("bond-signature", &sig), &b).await;
    assert_eq!(status, 200, "webhook refused");
}

/// Posts `total` events with `concurrency` senders; returns events/s.
pub async fn ingest(url: &str, concurrency: usize, total: usize) -> f64 {
    let per = total / concurrency;
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let url = url.to_string();
            tokio::spawn(async move {
                let mut conn = Conn::open(&url).await;
                for _ in 0..per {
                    post(&mut conn, "i").await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("sender");
    }
    (per * concurrency) as f64 / started.elapsed().as_secs_f64()
}

/// Latency percentiles of one paced run.
pub struct Latency {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
    pub delivered: usize,
    pub missing: usize,
}

async fn channels(gw: &Gateway, n: usize) -> Vec<Channel> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(
            Channel::from_shared(gw.grpc_url.clone())
                .expect("uri")
                .connect()
                .await
                .expect("connect"),
        );
    }
    out
}

/// `subscribers` streams from now; `rate` events/s for `for_`; latency from post to receipt.
pub async fn latency(gw: &Gateway, subscribers: usize, rate: u32, for_: Duration) -> Latency {
    let chans = channels(gw, 4).await;
    let base = Instant::now();
    let samples = Arc::new(Mutex::new(Vec::<f64>::new()));
    let mut readers = Vec::new();
    for i in 0..subscribers {
        let req = pb::SubscribeVerificationEventsRequest {
            filter: None,
            start: Some(pb::subscribe_verification_events_request::Start::FromNow(
                true,
            )),
        };
        let mut stream = Client::new(chans[i % chans.len()].clone())
            .subscribe_verification_events(req)
            .await
            .expect("subscribe")
            .into_inner();
        let samples = samples.clone();
        readers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Ok(Some(Ok(item))) =
                tokio::time::timeout(Duration::from_secs(3), stream.next()).await
            {
                if let Some(pb::subscribe_verification_events_response::Item::Event(e)) = item.item
                    && let Ok(ns) = e.inquiry_id.parse::<u64>()
                {
                    mine.push((base.elapsed().as_nanos() as u64 - ns) as f64 / 1e6);
                }
            }
            samples.lock().expect("samples").extend(mine);
        }));
    }
    let sent = pace(&gw.webhook_url, rate, for_, base).await;
    for r in readers {
        let _ = r.await;
    }
    let mut s = samples.lock().expect("samples").clone();
    s.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| {
        s.get(((s.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    Latency {
        p50: pct(0.5),
        p99: pct(0.99),
        max: pct(1.0),
        delivered: s.len(),
        missing: (sent * subscribers).saturating_sub(s.len()),
    }
}

/// Sends `rate` events/s for `for_` from 8 paced senders; returns how many were sent.
async fn pace(url: &str, rate: u32, for_: Duration, base: Instant) -> usize {
    const SENDERS: u32 = 8;
    let every = Duration::from_secs_f64(f64::from(SENDERS) / f64::from(rate));
    let count = (for_.as_secs_f64() * f64::from(rate) / f64::from(SENDERS)) as usize;
    let tasks: Vec<_> = (0..SENDERS)
        .map(|s| {
            let url = url.to_string();
            tokio::spawn(async move {
                let mut conn = Conn::open(&url).await;
                let start =
                    tokio::time::Instant::now() + every.mul_f64(f64::from(s) / f64::from(SENDERS));
                let mut tick = tokio::time::interval_at(start, every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                for _ in 0..count {
                    tick.tick().await;
                    post(&mut conn, &(base.elapsed().as_nanos() as u64).to_string()).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("sender");
    }
    count * SENDERS as usize
}

/// Gateway RSS added per idle subscriber, KiB.
pub async fn idle_memory(gw: &Gateway, n: usize) -> f64 {
    let chans = channels(gw, 8).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = gw.rss_kib();
    let mut streams = Vec::with_capacity(n);
    for i in 0..n {
        let filter = pb::EventFilter {
            business_ids: vec!["00000000-0000-4000-8000-000000000000".into()],
            ..Default::default()
        };
        let req = pb::SubscribeVerificationEventsRequest {
            filter: Some(filter),
            start: Some(pb::subscribe_verification_events_request::Start::FromNow(
                true,
            )),
        };
        streams.push(
            Client::new(chans[i % chans.len()].clone())
                .subscribe_verification_events(req)
                .await
                .expect("subscribe")
                .into_inner(),
        );
    }
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let after = gw.rss_kib();
    drop(streams);
    (after.saturating_sub(before)) as f64 / n as f64
}
