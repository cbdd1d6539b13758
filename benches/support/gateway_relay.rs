//! The gateway (and the HTTP echo floor) doing the relay job: signed webhook posts over
//! keep-alive HTTP/1.1, subscribers over gRPC each on its own connection, idle subscribers each
//! on its own connection.
// Shared by several benchmarks, each using part of it.
#![allow(dead_code)]
use std::time::{Duration, Instant};

use atelio_gateway::proto::v1 as pb;
use pb::verification_event_service_client::VerificationEventServiceClient as Client;
use tokio_stream::StreamExt;
use tonic::transport::Channel;

use super::gateway::Gateway;
use super::http1::Conn;
use super::load::signature;
use super::relay::{self, Latency, Opener, Order, Publisher};

/// Signed webhook posts to `url` (the gateway's, or the echo server's: same bytes on the wire).
#[derive(Clone)]
pub struct Signed(pub String);

pub struct SignedConn(Conn);

impl Opener for Signed {
    type P = SignedConn;
    async fn open(&self) -> SignedConn {
        SignedConn(Conn::open(&self.0).await)
    }
}

impl Publisher for SignedConn {
    async fn publish(&mut self, body: Vec<u8>) {
        let sig = signature(&body);
        let status = self.0.post(("bond-signature", &sig), &body).await;
        assert_eq!(status, 200, "webhook refused");
    }
}

async fn channel(gw: &Gateway) -> Channel {
    Channel::from_shared(gw.grpc_url.clone())
        .expect("uri")
        .connect()
        .await
        .expect("connect")
}

fn from_now(filter: Option<pb::EventFilter>) -> pb::SubscribeVerificationEventsRequest {
    pb::SubscribeVerificationEventsRequest {
        filter,
        start: Some(pb::subscribe_verification_events_request::Start::FromNow(
            true,
        )),
    }
}

/// Fan-out: `subscribers` streams from now, each on its own connection.
pub async fn fanout(gw: &Gateway, subscribers: usize, rate: u32, for_: Duration) -> Latency {
    let base = Instant::now();
    let mut readers = Vec::new();
    for _ in 0..subscribers {
        let mut stream = Client::new(channel(gw).await)
            .subscribe_verification_events(from_now(None))
            .await
            .expect("subscribe")
            .into_inner();
        readers.push(tokio::spawn(async move {
            let (mut out, mut order) = (Vec::new(), Order::new());
            while let Ok(Some(Ok(item))) =
                tokio::time::timeout(Duration::from_secs(3), stream.next()).await
            {
                if let Some(pb::subscribe_verification_events_response::Item::Event(e)) = item.item
                {
                    order.see(e.sequence);
                    if let Ok(stamp) = e.inquiry_id.parse::<u64>() {
                        out.push(relay::since_ms(base, stamp));
                    }
                }
            }
            (out, order.disordered)
        }));
    }
    let sent = relay::pace(&Signed(gw.webhook_url.clone()), rate, for_, base).await;
    let mut seen = Vec::new();
    for r in readers {
        seen.push(r.await.expect("reader"));
    }
    relay::summarize(seen, sent)
}

/// Gateway RSS added per idle subscriber, each on its own connection, KiB.
pub async fn idle_memory(gw: &Gateway, n: usize) -> f64 {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = gw.rss_kib();
    let mut held = Vec::with_capacity(n);
    for _ in 0..n {
        let filter = pb::EventFilter {
            business_ids: vec!["00000000-0000-4000-8000-000000000000".into()],
            ..Default::default()
        };
        let chan = channel(gw).await;
        let stream = Client::new(chan.clone())
            .subscribe_verification_events(from_now(Some(filter)))
            .await
            .expect("subscribe")
            .into_inner();
        held.push((chan, stream));
    }
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let after = gw.rss_kib();
    drop(held);
    after.saturating_sub(before) as f64 / n as f64
}
