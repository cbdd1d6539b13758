//! One subscriber's stream: reads the log from its cursor at its own pace (tail or log via the
//! hub), filters, yields events in sequence order, then waits for the hub's `watch` to move.
//! Heartbeats carry the cursor examined so far. Only the cursor and one batch live here, so an
//! idle or lagging subscriber costs the same small amount of memory. A stream never skips: if
//! retention removes events the subscriber has not read yet, it ends with [`StreamEnd::Expired`]
//! naming the oldest cursor (the gRPC edge maps every [`StreamEnd`] to its status).
use std::{pin::Pin, sync::Arc, time::Duration};

use tokio::sync::watch;
use tokio_stream::Stream;

use super::hub::{Batch, Hub};
use super::log::Filter;
use crate::proto::v1 as pb;

/// Events read per step: a catching-up subscriber yields to others between batches.
const BATCH: usize = 256;

/// Why a subscription's stream ended.
#[derive(Debug)]
pub enum StreamEnd {
    /// The event log could not be read.
    Log(super::log::LogError),
    /// Retention removed events after the subscriber's position; resume after this sequence.
    Expired {
        /// The oldest position still complete.
        oldest_after: u64,
    },
    /// The gateway is shutting down.
    ShuttingDown,
}

/// A subscription's items.
pub type EventStream =
    Pin<Box<dyn Stream<Item = Result<pb::SubscribeVerificationEventsResponse, StreamEnd>> + Send>>;

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
                        yield Err(StreamEnd::Log(e));
                        break;
                    }
                };
                if let Some(oldest_after) = batch.behind {
                    yield Err(StreamEnd::Expired { oldest_after });
                    break;
                }
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
                        yield Err(StreamEnd::ShuttingDown);
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use tokio_stream::StreamExt;

    use super::*;
    use crate::events::log::{Appended, EventLog, Retention, SystemClock};
    use crate::events::memory_log::MemoryLog;
    use crate::events::model::ParsedEvent;

    async fn append(hub: &Arc<Hub>, n: u32) {
        let appended = hub
            .append(
                ParsedEvent::kyc_success_for(&format!("c-{n}")),
                format!("k{n}"),
            )
            .await;
        assert!(matches!(appended, Ok(Appended::New(_))), "{appended:?}");
    }

    #[tokio::test]
    async fn a_subscriber_overtaken_by_retention_mid_stream_ends_out_of_range_not_skipping() {
        let retention = Retention {
            max_events: 3,
            ..Retention::default()
        };
        let log = Arc::new(MemoryLog::new(retention, Arc::new(SystemClock)));
        let hub = Hub::open(log.clone(), 1).await.expect("hub");
        for n in 1..=3 {
            append(&hub, n).await;
        }
        let (_tx, shutdown) = watch::channel(false);
        let sub = Subscription {
            hub: hub.clone(),
            filter: Filter::default(),
            after: 0,
            heartbeat: Duration::from_secs(60),
            shutdown,
        };
        let mut stream = sub.into_stream();
        for _ in 1..=3 {
            assert!(stream.next().await.expect("item").is_ok());
        }
        for n in 4..=8 {
            append(&hub, n).await;
        }
        log.enforce_retention().await.expect("retention");
        match stream.next().await.expect("an item") {
            Err(StreamEnd::Expired { oldest_after }) => assert_eq!(oldest_after, 5),
            other => panic!("events 4 and 5 are gone; the stream must not skip them: {other:?}"),
        }
        assert!(stream.next().await.is_none(), "the stream ended");
    }
}
