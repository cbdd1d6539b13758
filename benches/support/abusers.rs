//! The hostile side of the abuse benchmark, each running until the run is over: connections
//! that send half a request (or nothing) and reconnect once closed, a flood of badly signed
//! webhooks, idle event subscriptions, a subscriber that never reads and a unary flood at a
//! fixed rate. Each reports what the gateway answered.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use atelio_gateway::proto::v1 as pb;
use pb::verification_event_service_client::VerificationEventServiceClient as Events;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tonic::transport::{Channel, Endpoint};

use super::http1::Conn;
use super::well_behaved::{Phase, authed};

/// Below this a close counts as a refusal at accept.
const REFUSED_WITHIN: Duration = Duration::from_millis(250);

/// How long each abusive connection lived before the gateway closed it.
#[derive(Default)]
pub struct Closes {
    pub refused: Vec<Duration>,
    pub timed_out: Vec<Duration>,
    pub still_open: usize,
}

/// `n` connections to `addr`, each sending `prefix` then nothing, reconnecting when closed.
pub fn silent(addr: &str, n: usize, prefix: &'static [u8], phase: &Phase) -> Arc<Mutex<Closes>> {
    let closes = Arc::new(Mutex::new(Closes::default()));
    for i in 0..n {
        let (addr, phase, closes) = (addr.to_string(), phase.clone(), closes.clone());
        tokio::spawn(async move {
            // Spread the connects over half a second, as a flood from many hosts would.
            tokio::time::sleep(Duration::from_micros(250 * i as u64)).await;
            while phase.get() == 1 {
                let opened = Instant::now();
                let Ok(mut tcp) = TcpStream::connect(&addr).await else {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                };
                let _ = tcp.write_all(prefix).await;
                let mut buf = [0u8; 256];
                let closed = loop {
                    tokio::select! {
                        r = tcp.read(&mut buf) => if matches!(r, Ok(0) | Err(_)) { break true },
                        () = tokio::time::sleep(Duration::from_millis(200)) => if phase.get() != 1 { break false },
                    }
                };
                let lived = opened.elapsed();
                {
                    let mut c = closes.lock().expect("closes");
                    match (closed, lived < REFUSED_WITHIN) {
                        (false, _) => c.still_open += 1,
                        (true, true) => c.refused.push(lived),
                        (true, false) => c.timed_out.push(lived),
                    }
                }
                if closed && lived < REFUSED_WITHIN {
                    // A refused flood would spin; half a second keeps the generator's CPU for
                    // the gateway.
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        });
    }
    closes
}

/// Counts of answers by kind.
pub type Answers = Arc<Mutex<BTreeMap<String, u64>>>;

fn count(a: &Answers, what: String) {
    *a.lock().expect("answers").entry(what).or_default() += 1;
}

/// `conns` connections posting badly signed webhooks back to back: half with a malformed
/// header (refused before the body), half well-formed with a wrong HMAC.
pub fn bad_signatures(url: &str, conns: usize, phase: &Phase) -> Answers {
    let answers = Answers::default();
    for c in 0..conns {
        let (url, phase, answers) = (url.to_string(), phase.clone(), answers.clone());
        tokio::spawn(async move {
            let body = super::load::body("forged");
            let mut conn = None;
            let mut i = c;
            while phase.get() == 1 {
                i += 1;
                let t = chrono::Utc::now().timestamp();
                let header = if i % 2 == 0 {
                    "garbage".to_string()
                } else {
                    format!("t={t},v2={}", "0".repeat(64))
                };
                if conn.is_none() {
                    conn = Conn::try_open(&url).await.ok();
                }
                let Some(c) = conn.as_mut() else { continue };
                match c.try_post(("bond-signature", &header), &body).await {
                    Ok(status) => count(&answers, format!("HTTP {status}")),
                    Err(_) => conn = None,
                }
            }
        });
    }
    answers
}

/// `per_caller` idle subscriptions (a filter nothing matches) for each token, opened at once
/// over `channels` connections and held until the run is over; how many were admitted, and
/// the refusals by code.
pub fn idle_subscriptions(
    url: &str,
    tokens: &'static [&'static str],
    per_caller: usize,
    channels: usize,
    phase: &Phase,
) -> (Arc<AtomicUsize>, Answers) {
    let (admitted, refused) = (Arc::new(AtomicUsize::new(0)), Answers::default());
    let per_channel = tokens.len() * per_caller / channels;
    for c in 0..channels {
        let (url, phase) = (url.to_string(), phase.clone());
        let (admitted, refused) = (admitted.clone(), refused.clone());
        tokio::spawn(async move {
            let ch = Channel::from_shared(url)
                .expect("uri")
                .connect()
                .await
                .expect("connect");
            let mut held = Vec::with_capacity(per_channel);
            for i in 0..per_channel {
                let token = tokens[(c * per_channel + i) / per_caller];
                let filter = pb::EventFilter {
                    business_ids: vec!["00000000-0000-4000-8000-000000000000".into()],
                    ..Default::default()
                };
                let req = pb::SubscribeVerificationEventsRequest {
                    filter: Some(filter),
                    start: None,
                };
                match Events::new(ch.clone())
                    .subscribe_verification_events(authed(req, token))
                    .await
                {
                    Ok(s) => {
                        admitted.fetch_add(1, Ordering::Relaxed);
                        held.push(s.into_inner());
                    }
                    Err(s) => count(&refused, format!("{:?}", s.code())),
                }
            }
            while phase.get() == 1 {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
    }
    (admitted, refused)
}

/// A subscriber on its own connection with a 1 KiB window that never reads its stream.
pub async fn never_reads(url: &str, token: &str) -> impl Sized {
    let channel = Endpoint::from_shared(url.to_string())
        .expect("uri")
        .initial_stream_window_size(Some(1_024))
        .connect()
        .await
        .expect("connect");
    let req = pb::SubscribeVerificationEventsRequest {
        filter: None,
        start: None,
    };
    let stream = Events::new(channel.clone())
        .subscribe_verification_events(authed(req, token))
        .await;
    (channel, stream.expect("admitted"))
}

/// The key under which [`unary_flood`] counts the calls it made.
pub const OFFERED: &str = "offered";

/// GetCustomer at `rate`/s regardless of answers (open loop) over `channels`; answers by code
/// (and the calls made, under [`OFFERED`]).
pub fn unary_flood(
    channels: &[Channel],
    token: &'static str,
    id: &str,
    rate: u32,
    phase: &Phase,
) -> Answers {
    let answers = Answers::default();
    let (chans, id, phase, a) = (
        channels.to_vec(),
        id.to_string(),
        phase.clone(),
        answers.clone(),
    );
    tokio::spawn(async move {
        let per_tick = rate / 100;
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        let mut n = 0usize;
        while phase.get() == 1 {
            tick.tick().await;
            for _ in 0..per_tick {
                n += 1;
                count(&a, OFFERED.to_string());
                let mut client = pb::customer_service_client::CustomerServiceClient::new(
                    chans[n % chans.len()].clone(),
                );
                let (a, msg) = (
                    a.clone(),
                    pb::GetCustomerRequest {
                        customer_id: id.clone(),
                    },
                );
                tokio::spawn(async move {
                    let code = match client.get_customer(authed(msg, token)).await {
                        Ok(_) => "Ok".to_string(),
                        Err(s) => format!("{:?}", s.code()),
                    };
                    count(&a, code);
                });
            }
        }
    });
    answers
}
