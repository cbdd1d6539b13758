//! `atelio-gateway demo`: the gateway and its Atelio emulator in one process (as
//! `serve --sandbox`, on loopback ports), driven over real gRPC through a scripted journey while
//! every relayed verification event is printed as it arrives. Prints ids and states only, never
//! the personal data it sends.
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_stream::StreamExt;
use tonic::transport::Channel;

use crate::app::sandboxed;
use crate::config::{Config, StoreBackend};
use crate::proto::v1 as pb;
use crate::sandbox::SandboxConfig;
mod journey;
mod lost;

/// The program the demo runs KYC under (any UUID works in the sandbox).
pub const PROGRAM: &str = "0f8c6a52-7d4e-4b1a-9c3e-5a2b1d0e9f47";

/// Prints timeline lines, `+1.23s  what`.
pub struct Timeline(Instant);

impl Timeline {
    pub fn say(&self, what: &str) {
        println!("{:>+8.2}s  {what}", self.0.elapsed().as_secs_f64());
    }
}

fn config(mut cfg: Config) -> Config {
    cfg.server.grpc_addr = ([127, 0, 0, 1], 0).into();
    cfg.webhook.listen_addr = ([127, 0, 0, 1], 0).into();
    cfg.admin.listen_addr = ([127, 0, 0, 1], 0).into();
    cfg.idempotency.store = StoreBackend::Memory;
    cfg.events.store = StoreBackend::Memory;
    cfg.mirror.store = Some(StoreBackend::Memory);
    cfg
}

/// Reads the event stream into `tx`, printing each event.
async fn relay(
    channel: Channel,
    timeline: Timeline,
    tx: mpsc::UnboundedSender<pb::VerificationEvent>,
) {
    let from_now = pb::subscribe_verification_events_request::Start::FromNow(true);
    let req = pb::SubscribeVerificationEventsRequest {
        filter: None,
        start: Some(from_now),
    };
    let client =
        pb::verification_event_service_client::VerificationEventServiceClient::new(channel);
    let Ok(resp) = client.clone().subscribe_verification_events(req).await else {
        return;
    };
    let mut stream = resp.into_inner();
    while let Some(Ok(item)) = stream.next().await {
        if let Some(pb::subscribe_verification_events_response::Item::Event(e)) = item.item {
            timeline.say(&format!("event  {}", journey::describe(&e)));
            if tx.send(e).is_err() {
                return;
            }
        }
    }
}

/// Runs the demo; Err names the step that failed.
pub async fn run(cfg: Config) -> Result<(), String> {
    let emulator = SandboxConfig {
        outcome_delay: Duration::from_millis(400),
        ..SandboxConfig::default()
    };
    let wired = sandboxed::build(config(cfg), emulator, ([127, 0, 0, 1], 0).into())
        .await
        .map_err(|e| e.to_string())?;
    let addr = wired.app.grpc_addr();
    println!(
        "Atelio sandbox emulator at {}, gateway gRPC at {addr}\n",
        wired.sandbox.base_url()
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(wired.app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let channel = Channel::from_shared(format!("http://{addr}"))
        .map_err(|e| e.to_string())?
        .connect()
        .await
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(relay(channel.clone(), Timeline(started), tx));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut walk = journey::Journey {
        channel,
        events: rx,
        timeline: Timeline(started),
    };
    let sandbox = &wired.sandbox;
    let steps = async {
        walk.run().await?;
        lost::run(&mut walk, sandbox).await?;
        walk.timeline
            .say("done: every step answered and every outcome was relayed");
        Ok(())
    };
    let result = tokio::time::timeout(Duration::from_secs(60), steps)
        .await
        .unwrap_or_else(|_| Err("the journey took over 60 s".into()));
    let _ = stop.send(());
    let _ = server.await;
    result
}
