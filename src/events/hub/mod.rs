//! The one owner of fan-out (docs/reference/architecture.md §5 habit 10). An accepted event is appended to the
//! durable log, then published into a bounded in-memory tail shared by every subscriber, and a
//! `watch` of the latest sequence wakes them. No payload is queued per subscriber: each reads at
//! its own pace, from the tail while it is close to the head, from the log when it lags, so a
//! slow subscriber costs its cursor only and never blocks the webhook path or other subscribers.
use std::{
    collections::VecDeque,
    sync::{Arc, RwLock},
};

use tokio::sync::watch;

use super::encode;
use super::log::{Appended, EventLog, Filter, LogError, NewEvent, StoredEvent};
use super::model::{EventKind, ParsedEvent, Subject};
use crate::proto::v1 as pb;

/// A published event: filter columns plus the ready-to-send message.
#[derive(Debug)]
pub struct Entry {
    /// Its sequence.
    pub sequence: u64,
    /// Its kind.
    pub kind: EventKind,
    /// Its subject.
    pub subject: Subject,
    /// The message subscribers receive.
    pub event: pb::VerificationEvent,
}

impl Entry {
    fn from_stored(s: &StoredEvent) -> Entry {
        Entry {
            sequence: s.sequence,
            kind: s.kind,
            subject: s.subject.clone(),
            event: encode::with_position(s),
        }
    }
}

/// What one read returned: matching entries and how far the log was examined.
#[derive(Debug, Default)]
pub struct Batch {
    /// Matching entries, ascending.
    pub entries: Vec<Arc<Entry>>,
    /// Every event up to this sequence was examined (resume after it).
    pub scanned_to: u64,
    /// Set when retention removed events after the reader's position before it read them: the
    /// cursor to resume after (the reader must not skip silently).
    pub behind: Option<u64>,
}

/// Durable append and fan-out of verification events.
pub struct Hub {
    log: Arc<dyn EventLog>,
    latest: watch::Sender<u64>,
    tail: RwLock<VecDeque<Arc<Entry>>>,
    capacity: usize,
}

impl Hub {
    /// A hub over `log`, keeping the last `capacity` events in memory.
    pub async fn open(log: Arc<dyn EventLog>, capacity: usize) -> Result<Arc<Hub>, LogError> {
        let bounds = log.bounds().await?;
        let (latest, _) = watch::channel(bounds.latest);
        Ok(Arc::new(Hub {
            log,
            latest,
            tail: RwLock::new(VecDeque::with_capacity(capacity)),
            capacity: capacity.max(1),
        }))
    }

    /// The durable log.
    pub fn log(&self) -> &Arc<dyn EventLog> {
        &self.log
    }

    /// Stores `event` (unless it is a re-delivery) and publishes it. The append and publication
    /// run in their own task, so a caller that goes away cannot leave a stored event unpublished.
    pub async fn append(
        self: &Arc<Self>,
        event: ParsedEvent,
        dedupe_key: String,
    ) -> Result<Appended, LogError> {
        self.append_keyed(event, dedupe_key, None).await
    }

    /// `append` with a second dedupe key (the mirror's transition key): a duplicate of either
    /// key is not stored again.
    pub async fn append_keyed(
        self: &Arc<Self>,
        event: ParsedEvent,
        dedupe_key: String,
        also_dedupe: Option<String>,
    ) -> Result<Appended, LogError> {
        let hub = self.clone();
        let task = tokio::spawn(async move {
            let received_at_ms = chrono::Utc::now().timestamp_millis();
            let payload = encode::payload(&event);
            let new = NewEvent {
                dedupe_key,
                also_dedupe,
                kind: event.kind,
                subject: event.subject.clone(),
                payload: payload.clone(),
                received_at_ms: Some(received_at_ms),
            };
            let appended = hub.log.append(new).await?;
            if let Appended::New(sequence) = appended {
                crate::metrics::get().events_stored.inc();
                let stored = StoredEvent {
                    sequence,
                    received_at_ms,
                    kind: event.kind,
                    subject: event.subject,
                    payload,
                };
                hub.publish(Arc::new(Entry::from_stored(&stored)));
            }
            Ok(appended)
        });
        task.await.map_err(LogError::Task)?
    }

    /// Watches the latest published sequence.
    pub fn watch_latest(&self) -> watch::Receiver<u64> {
        self.latest.subscribe()
    }

    /// The latest published sequence.
    pub fn latest(&self) -> u64 {
        *self.latest.borrow()
    }

    /// Publishes events another replica appended to the shared log (see `follow`).
    pub fn publish_stored(&self, stored: &StoredEvent) {
        self.publish(Arc::new(Entry::from_stored(stored)));
    }

    fn publish(&self, entry: Arc<Entry>) {
        let sequence = entry.sequence;
        {
            let mut tail = self.tail.write().unwrap_or_else(|p| p.into_inner());
            let at = tail.partition_point(|e| e.sequence < sequence);
            if tail.get(at).is_some_and(|e| e.sequence == sequence) {
                return; // published already (this replica's own append, seen again)
            }
            tail.insert(at, entry);
            while tail.len() > self.capacity {
                tail.pop_front();
            }
        }
        self.latest.send_if_modified(|l| {
            let newer = sequence > *l;
            if newer {
                *l = sequence;
            }
            newer
        });
    }

    /// Up to `limit` matching events after `after`: nothing when `after` is at the latest
    /// published sequence (no log query for a caught-up reader), from the tail when it holds
    /// `after + 1` onwards without a gap, else from the log.
    pub async fn read_after(
        &self,
        after: u64,
        filter: &Filter,
        limit: usize,
    ) -> Result<Batch, LogError> {
        if after >= self.latest() {
            // Caught up: anything newer is not published yet, and publishing wakes the reader.
            return Ok(Batch {
                entries: Vec::new(),
                scanned_to: after,
                behind: None,
            });
        }
        if let Some(batch) = self.read_tail(after, filter, limit) {
            return Ok(batch);
        }
        let known = self.latest();
        let rows = self.log.read_after(after, filter, limit).await?;
        // Retention removes prefixes only: if nothing after `after` is missing now, nothing was
        // missing when the rows were read.
        let behind = self.log.bounds().await?.expired_after(after);
        let last = rows.last().map_or(after, |r| r.sequence);
        let scanned_to = if rows.len() < limit {
            last.max(known).max(after)
        } else {
            last
        };
        Ok(Batch {
            entries: rows
                .iter()
                .map(|r| Arc::new(Entry::from_stored(r)))
                .collect(),
            scanned_to,
            behind,
        })
    }

    fn read_tail(&self, after: u64, filter: &Filter, limit: usize) -> Option<Batch> {
        let tail = self.tail.read().unwrap_or_else(|p| p.into_inner());
        let start = tail.partition_point(|e| e.sequence <= after);
        let first = tail.get(start)?;
        if first.sequence != after + 1 {
            return None;
        }
        let mut batch = Batch {
            entries: Vec::new(),
            scanned_to: after,
            behind: None,
        };
        for e in tail.range(start..) {
            if e.sequence != batch.scanned_to + 1 || batch.entries.len() == limit {
                break;
            }
            batch.scanned_to = e.sequence;
            if filter.matches(e.kind, &e.subject) {
                batch.entries.push(e.clone());
            }
        }
        Some(batch)
    }
}

#[cfg(test)]
mod tests;
