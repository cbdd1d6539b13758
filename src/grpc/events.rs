//! `VerificationEventService`: subscribe (server streaming, resumable by cursor), list and get
//! stored verification events. Reads go through the events hub (tail or log).
use std::{sync::Arc, time::Duration};

use tokio::sync::watch;
use tokio_stream::StreamExt;
use tonic::{Request, Response, Status};

use super::{Call, GatewayError, handle};
use crate::deadline::Deadline;
use crate::domain::{ResourceId, Violations};
use crate::events::{
    cursor, encode,
    hub::Hub,
    log::{Filter, LogError},
    subscription::{StreamEnd, Subscription},
};
use crate::proto::v1::{self as pb, verification_event_service_server::VerificationEventService};

/// The events API: the hub, the heartbeat interval and the shutdown signal for streams.
#[derive(Clone)]
pub struct EventsApi {
    /// Durable log and fan-out.
    pub hub: Arc<Hub>,
    /// Heartbeat interval of idle streams.
    pub heartbeat: Duration,
    /// Becomes true when the gateway shuts down.
    pub shutdown: watch::Receiver<bool>,
    /// The verification mirror (the pending list), when configured.
    pub mirror: Option<Arc<crate::mirror::Mirror>>,
}

fn unavailable(e: LogError) -> GatewayError {
    GatewayError::Events(e)
}

/// How long a List or Get read of the log may take when the caller set no deadline.
const READ_DEADLINE: Duration = Duration::from_secs(30);

fn call<T>(req: &Request<T>, method: &'static str) -> Call {
    let deadline = Deadline::from_metadata(req.metadata(), READ_DEADLINE);
    Call::new(method, Call::caller_of(req), deadline)
}

/// The gRPC response stream of a subscription.
pub type EventStream = std::pin::Pin<
    Box<
        dyn tokio_stream::Stream<Item = Result<pb::SubscribeVerificationEventsResponse, Status>>
            + Send,
    >,
>;

/// Why a stream ended, as the status the subscriber gets (through the one mapping).
fn stream_end(end: StreamEnd) -> Status {
    let e = match end {
        StreamEnd::Log(e) => unavailable(e),
        StreamEnd::Expired { oldest_after } => GatewayError::CursorExpired {
            oldest: cursor::encode(oldest_after),
        },
        StreamEnd::ShuttingDown => GatewayError::ShuttingDown,
    };
    super::to_status(e)
}

/// Proto filter → log filter; ids must be UUIDs and kinds known.
pub fn filter(f: Option<&pb::EventFilter>, v: &mut Violations) -> Filter {
    let Some(f) = f else { return Filter::default() };
    let mut out = Filter::default();
    for (i, raw) in f.kinds.iter().enumerate() {
        match (*raw, encode::model_kind(*raw)) {
            (0, _) => {}
            (_, Some(k)) => out.kinds.push(k),
            (_, None) => v.add(format!("filter.kinds[{i}]"), "is not a known value"),
        }
    }
    let ids = |field: &str, list: &[String], v: &mut Violations| -> Vec<String> {
        let parsed = list
            .iter()
            .enumerate()
            .filter_map(|(i, id)| v.check(&format!("filter.{field}[{i}]"), ResourceId::parse(id)));
        parsed.map(|id| id.as_str().to_string()).collect()
    };
    out.customer_ids = ids("customer_ids", &f.customer_ids, v);
    out.business_ids = ids("business_ids", &f.business_ids, v);
    out.beneficial_owner_ids = ids("beneficial_owner_ids", &f.beneficial_owner_ids, v);
    out
}

impl EventsApi {
    /// Where a subscription starts: after a cursor (checked against retention), at the oldest
    /// retained event, or at the current end.
    async fn start(
        &self,
        start: Option<&pb::subscribe_verification_events_request::Start>,
        v: &mut Violations,
    ) -> Result<u64, GatewayError> {
        use pb::subscribe_verification_events_request::Start;
        let bounds = self.hub.log().bounds().await.map_err(unavailable)?;
        let oldest_after = bounds.oldest.map_or(bounds.latest, |o| o.saturating_sub(1));
        match start {
            Some(Start::AfterCursor(c)) => {
                let Some(after) = v.check("after_cursor", cursor::decode(c)) else {
                    return Ok(0);
                };
                if after < oldest_after {
                    return Err(GatewayError::CursorExpired {
                        oldest: cursor::encode(oldest_after),
                    });
                }
                if after > bounds.latest {
                    v.add("after_cursor", "is ahead of the event log");
                }
                Ok(after)
            }
            Some(Start::FromEarliest(true)) => Ok(oldest_after),
            _ => Ok(bounds.latest.max(self.hub.latest())),
        }
    }
}

#[tonic::async_trait]
impl VerificationEventService for EventsApi {
    type SubscribeVerificationEventsStream = EventStream;

    async fn subscribe_verification_events(
        &self,
        req: Request<pb::SubscribeVerificationEventsRequest>,
    ) -> Result<Response<EventStream>, Status> {
        let r = req.into_inner();
        let mut v = Violations::new();
        let filter = filter(r.filter.as_ref(), &mut v);
        let after = self
            .start(r.start.as_ref(), &mut v)
            .await
            .map_err(super::to_status)?;
        if !v.is_empty() {
            return Err(super::to_status(v.into()));
        }
        tracing::info!(after, "subscriber connected");
        let sub = Subscription {
            hub: self.hub.clone(),
            filter,
            after,
            heartbeat: self.heartbeat,
            shutdown: self.shutdown.clone(),
        };
        Ok(Response::new(Box::pin(
            sub.into_stream().map(|item| item.map_err(stream_end)),
        )))
    }

    async fn list_verification_events(
        &self,
        req: Request<pb::ListVerificationEventsRequest>,
    ) -> Result<Response<pb::ListVerificationEventsResponse>, Status> {
        let call = call(
            &req,
            "atelio.gateway.v1.VerificationEventService/ListVerificationEvents",
        );
        let r = req.into_inner();
        handle(&call, async {
            let mut v = Violations::new();
            let filter = filter(r.filter.as_ref(), &mut v);
            let after = if r.page_token.is_empty() {
                Some(0)
            } else {
                v.check("page_token", cursor::decode(&r.page_token))
            };
            if r.page_size < 0 {
                v.add("page_size", "must not be negative");
            }
            let after = v.finish(after)?.unwrap_or(0);
            let size = if r.page_size == 0 {
                100
            } else {
                (r.page_size as usize).min(1000)
            };
            let rows = self
                .hub
                .log()
                .read_after(after, &filter, size)
                .await
                .map_err(unavailable)?;
            if !r.page_token.is_empty() {
                let bounds = self.hub.log().bounds().await.map_err(unavailable)?;
                if let Some(oldest_after) = bounds.expired_after(after) {
                    // The page would silently skip what retention removed.
                    return Err(GatewayError::CursorExpired {
                        oldest: cursor::encode(oldest_after),
                    });
                }
            }
            let next_page_token = if rows.len() == size {
                rows.last()
                    .map(|e| cursor::encode(e.sequence))
                    .unwrap_or_default()
            } else {
                String::new()
            };
            Ok(pb::ListVerificationEventsResponse {
                events: rows.iter().map(encode::with_position).collect(),
                next_page_token,
            })
        })
        .await
    }

    async fn get_verification_event(
        &self,
        req: Request<pb::GetVerificationEventRequest>,
    ) -> Result<Response<pb::GetVerificationEventResponse>, Status> {
        let call = call(
            &req,
            "atelio.gateway.v1.VerificationEventService/GetVerificationEvent",
        );
        let r = req.into_inner();
        handle(&call, async {
            let mut v = Violations::new();
            let seq = v.required("cursor", &r.cursor, cursor::decode);
            let seq = v.finish(seq)?.unwrap_or(0);
            let stored = self.hub.log().get(seq).await.map_err(unavailable)?;
            let event = stored.ok_or(GatewayError::NotFound("no stored event has this cursor"))?;
            Ok(pb::GetVerificationEventResponse {
                event: Some(encode::with_position(&event)),
            })
        })
        .await
    }

    async fn list_pending_verifications(
        &self,
        req: Request<pb::ListPendingVerificationsRequest>,
    ) -> Result<Response<pb::ListPendingVerificationsResponse>, Status> {
        let call = call(
            &req,
            "atelio.gateway.v1.VerificationEventService/ListPendingVerifications",
        );
        let r = req.into_inner();
        handle(&call, super::pending::list(self.mirror.as_deref(), r)).await
    }
}
