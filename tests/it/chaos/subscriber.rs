//! The chaos subscriber: one `SubscribeVerificationEvents` stream that reconnects after every
//! gateway crash and resumes after the last cursor it saw, checking that sequences only grow.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use atelio_gateway::proto::v1 as pb;
use pb::subscribe_verification_events_request::Start;
use pb::subscribe_verification_events_response::Item;
use pb::verification_event_service_client::VerificationEventServiceClient;
use tokio_stream::StreamExt;
use tonic::transport::Channel;

use super::rig::EventKey;

pub struct Events {
    received: Arc<Mutex<Vec<EventKey>>>,
}

fn subject(e: &pb::VerificationEvent) -> String {
    use pb::verification_event::Subject;
    match &e.subject {
        Some(
            Subject::CustomerId(id) | Subject::BeneficialOwnerId(id) | Subject::BusinessId(id),
        ) => id.clone(),
        None => String::new(),
    }
}

/// Subscribes from the earliest event and keeps resuming until the test ends.
pub fn spawn(url: String) -> Events {
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    tokio::spawn(async move {
        let channel = Channel::from_shared(url).expect("uri").connect_lazy();
        let mut client = VerificationEventServiceClient::new(channel);
        let (mut cursor, mut last_seq) = (None::<String>, 0u64);
        loop {
            let start = cursor
                .clone()
                .map_or(Start::FromEarliest(true), Start::AfterCursor);
            let req = pb::SubscribeVerificationEventsRequest {
                filter: None,
                start: Some(start),
            };
            let Ok(stream) = client.subscribe_verification_events(req).await else {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            };
            let mut stream = stream.into_inner();
            while let Some(Ok(item)) = stream.next().await {
                let Some(Item::Event(e)) = item.item else {
                    continue;
                };
                assert!(
                    e.sequence > last_seq,
                    "sequence {} after {last_seq}",
                    e.sequence
                );
                last_seq = e.sequence;
                cursor = Some(e.cursor.clone());
                let key = (e.event_name.clone(), subject(&e), e.occurred_at_raw.clone());
                sink.lock().unwrap().push(key);
            }
        }
    });
    Events { received }
}

impl Events {
    /// Waits until every `expected` event was received (or `limit` passes); all received.
    pub async fn wait_for(&self, expected: &[EventKey], limit: Duration) -> Vec<EventKey> {
        let until = Instant::now() + limit;
        loop {
            let got = self.received.lock().unwrap().clone();
            let all = expected.iter().all(|e| got.contains(e));
            if all || Instant::now() > until {
                // A short grace period so a late duplicate would show up too.
                tokio::time::sleep(Duration::from_millis(500)).await;
                return self.received.lock().unwrap().clone();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
