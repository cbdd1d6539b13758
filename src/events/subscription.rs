//! One subscriber's stream: reads the log from its cursor at its own pace (tail or log via the
//! hub), filters, yields events in sequence order, then waits for the hub's `watch` to move.
//! Heartbeats carry the cursor examined so far. Only the cursor and one batch live here, so an
//! idle or lagging subscriber costs the same small amount of memory.
use std::{pin::Pin, sync::Arc, time::Duration};

use tokio::sync::watch;
use tokio_stream::Stream;
use tonic::Status;

use super::hub::{Batch, Hub};
use super::log::Filter;
use crate::proto::v1 as pb;

/// Events read per step: a catching-up subscriber yields to others between batches.
const BATCH: usize = 256;

/// The gRPC response stream type.
pub type EventStream =
    Pin<Box<dyn Stream<Item = Result<pb::SubscribeVerificationEventsResponse, Status>> + Send>>;

/// What a subscription needs.
pub struct Subscription {
    /// The hub to read from.
    pub hub: Arc<Hub>,
    /// Which events to send.
    pub filter: Filter,
    /// Send events with a sequence greater than this.
    pub after: u64,
    /// Heartbeat interval.
    pub heartbeat: Duration,
    /// Becomes true when the gateway shuts down.
    pub shutdown: watch::Receiver<bool>,
}

fn event(e: &super::hub::Entry) -> pb::SubscribeVerificationEventsResponse {
    pb::SubscribeVerificationEventsResponse {
        item: Some(pb::subscribe_verification_events_response::Item::Event(
            e.event.clone(),
        )),
    }
}

fn heartbeat(cursor: u64) -> pb::SubscribeVerificationEventsResponse {
    let now = chrono::Utc::now();
    let time = prost_types::Timestamp {
        seconds: now.timestamp(),
        nanos: now.timestamp_subsec_nanos() as i32,
    };
    let beat = pb::Heartbeat {
        cursor: super::cursor::encode(cursor),
        time: Some(time),
    };
    pb::SubscribeVerificationEventsResponse {
        item: Some(pb::subscribe_verification_events_response::Item::Heartbeat(
            beat,
        )),
    }
}

/// Counts an open stream in the `event_subscribers` gauge for as long as it lives.
struct OpenStream;

impl OpenStream {
    fn new() -> OpenStream {
        crate::metrics::get().subscribers.inc();
        OpenStream
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        crate::metrics::get().subscribers.dec();
    }
}

/// Why a subscriber stopped waiting.
enum Wake {
    NewEvents,
    Heartbeat,
    Shutdown,
}

impl Subscription {
    /// The stream of this subscription.
    pub fn into_stream(self) -> EventStream {
        Box::pin(async_stream::stream! {
            let Subscription { hub, filter, mut after, heartbeat: every, mut shutdown } = self;
            let _open = OpenStream::new();
            let mut latest = hub.watch_latest();
            let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            loop {
                crate::metrics::get().subscriber_lag.observe(hub.latest().saturating_sub(after) as f64);
                let batch: Batch = match hub.read_after(after, &filter, BATCH).await {
                    Ok(b) => b,
                    Err(e) => {
                        yield Err(Status::unavailable(format!("event log unavailable: {e}")));
                        break;
                    }
                };
                for e in &batch.entries {
                    yield Ok(event(e));
                }
                let progressed = batch.scanned_to > after;
                after = batch.scanned_to;
                if progressed {
                    continue;
                }
                match wait(&mut latest, &mut beat, &mut shutdown, after).await {
                    Wake::NewEvents => {}
                    Wake::Heartbeat => yield Ok(heartbeat(after)),
                    Wake::Shutdown => {
                        yield Err(Status::unavailable("the gateway is shutting down; resume elsewhere with your last cursor"));
                        break;
                    }
                }
            }
        })
    }
}

async fn wait(
    latest: &mut watch::Receiver<u64>,
    beat: &mut tokio::time::Interval,
    shutdown: &mut watch::Receiver<bool>,
    after: u64,
) -> Wake {
    loop {
        if *shutdown.borrow() {
            return Wake::Shutdown;
        }
        if *latest.borrow_and_update() > after {
            return Wake::NewEvents;
        }
        tokio::select! {
            changed = latest.changed() => if changed.is_err() { return Wake::Shutdown },
            _ = beat.tick() => return Wake::Heartbeat,
            changed = shutdown.changed() => if changed.is_err() { return Wake::Shutdown },
        }
    }
}
