//! The event log's contract: a durable, ordered, deduplicated record of verification events.
//! Every stored event gets a sequence strictly greater than any assigned before (also across
//! restarts and after retention emptied the log); readers page through it with `read_after`.
//! Backends: `memory_log` (tests, one process) and `sqlite_log` (embedded default, durable).
use std::time::Duration;

use crate::clock::millis;

use bytes::Bytes;

use super::model::{EventKind, Subject};

/// An event to append: its dedupe key, filterable columns and the opaque payload (the gateway
/// stores the encoded proto message; the log never looks inside).
#[derive(Clone, Debug)]
pub struct NewEvent {
    /// Identifies re-deliveries of the same event (e.g. derived from the webhook body).
    pub dedupe_key: String,
    /// A second identity (the mirror's transition key): the event is a duplicate when either key
    /// was seen, and both are remembered when it is stored.
    pub also_dedupe: Option<String>,
    /// What happened.
    pub kind: EventKind,
    /// Whose verification.
    pub subject: Subject,
    /// Opaque bytes.
    pub payload: Bytes,
    /// When the gateway received it (ms since the epoch); None: the log's clock at append.
    pub received_at_ms: Option<i64>,
}

/// An event as the log holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    /// Its position in the log.
    pub sequence: u64,
    /// When the log accepted it (milliseconds since the Unix epoch, from the log's clock).
    pub received_at_ms: i64,
    /// What happened.
    pub kind: EventKind,
    /// Whose verification.
    pub subject: Subject,
    /// The bytes appended, unchanged.
    pub payload: Bytes,
}

/// What `append` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Appended {
    /// Stored under this new sequence.
    New(u64),
    /// A re-delivery within the dedupe window: not stored again; the sequence of the first copy
    /// (0 if the first copy was already removed by retention).
    Duplicate(u64),
}

/// The range of the log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bounds {
    /// Oldest retained sequence (None when empty).
    pub oldest: Option<u64>,
    /// Highest sequence ever assigned (0 when nothing was ever stored); survives retention and
    /// restarts.
    pub latest: u64,
}

impl Bounds {
    /// The cursor to resume after when events following `after` were removed by retention
    /// (`None`: nothing after `after` is missing).
    pub fn expired_after(&self, after: u64) -> Option<u64> {
        let oldest_after = self.oldest.map_or(self.latest, |o| o.saturating_sub(1));
        (after < oldest_after).then_some(oldest_after)
    }
}

/// Which events a reader wants; empty sets mean "any". An event matches when its kind is in
/// `kinds` (if non-empty) AND (all id sets empty OR its subject id is in the set for its subject
/// type). An event without a subject id matches only when every id set is empty.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Wanted kinds.
    pub kinds: Vec<EventKind>,
    /// Wanted `Subject::Customer` ids.
    pub customer_ids: Vec<String>,
    /// Wanted `Subject::Business` ids.
    pub business_ids: Vec<String>,
    /// Wanted `Subject::BeneficialOwner` ids.
    pub beneficial_owner_ids: Vec<String>,
}

impl Filter {
    /// Whether an event with this kind and subject is wanted.
    pub fn matches(&self, kind: EventKind, subject: &Subject) -> bool {
        if !self.kinds.is_empty() && !self.kinds.contains(&kind) {
            return false;
        }
        if !self.has_ids() {
            return true;
        }
        let (ids, id) = match subject {
            Subject::Customer(id) => (&self.customer_ids, id),
            Subject::Business(id) => (&self.business_ids, id),
            Subject::BeneficialOwner(id) => (&self.beneficial_owner_ids, id),
            Subject::None => return false,
        };
        ids.contains(id)
    }

    /// True when the filter wants every event.
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty() && !self.has_ids()
    }

    /// True when any id set is non-empty.
    pub(crate) fn has_ids(&self) -> bool {
        !(self.customer_ids.is_empty()
            && self.business_ids.is_empty()
            && self.beneficial_owner_ids.is_empty())
    }
}

/// How long events and dedupe keys are kept.
#[derive(Clone, Copy, Debug)]
pub struct Retention {
    /// Events older than this are removed (default 7 days).
    pub max_age: Duration,
    /// At most this many of the newest sequences are kept (default 1 000 000).
    pub max_events: u64,
    /// How long a dedupe key is remembered (default 7 days). Atelio retries for about 3 days;
    /// the configuration rejects less than 7 days, the log itself takes any value.
    pub dedupe_window: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        const WEEK: Duration = Duration::from_secs(7 * 24 * 3600);
        Retention {
            max_age: WEEK,
            max_events: 1_000_000,
            dedupe_window: WEEK,
        }
    }
}

impl Retention {
    /// Events received before this instant are too old (`now - max_age`).
    pub(crate) fn age_cutoff(&self, now: i64) -> i64 {
        now.saturating_sub(millis(self.max_age))
    }

    /// Events with a sequence at or below this are beyond `max_events`.
    pub(crate) fn count_cutoff(&self, latest: u64) -> u64 {
        latest.saturating_sub(self.max_events)
    }

    /// When a key seen `now` stops deduplicating (`now + dedupe_window`).
    pub(crate) fn dedupe_until(&self, now: i64) -> i64 {
        now.saturating_add(millis(self.dedupe_window))
    }
}

/// Why the log could not answer. Messages never contain keys, ids or payloads.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The SQLite database failed.
    #[error("event log (SQLite) failed")]
    Sqlite(#[source] crate::storage::StorageError),
    /// Redis failed; its kind only, since a Redis error can quote arguments.
    #[error("event log (Redis) failed: {0:?}")]
    Redis(redis::ErrorKind),
    /// The append task died before it answered.
    #[error("event log append task failed")]
    Task(#[source] tokio::task::JoinError),
    /// No sequence is left to assign (u64 exhausted).
    #[error("event log sequence space exhausted")]
    Exhausted,
}

/// The durable, ordered event log.
#[async_trait::async_trait]
pub trait EventLog: Send + Sync + 'static {
    /// Atomically: if `dedupe_key` (or `also_dedupe`) was seen within the dedupe window →
    /// Duplicate; else assign the
    /// next sequence (strictly greater than every sequence ever assigned, also across restarts
    /// and after retention removed everything), store the event with received_at_ms = now,
    /// remember the key(s) until now + dedupe_window, → New(seq). Returns only after the write is
    /// durable (SQLite: committed).
    async fn append(&self, e: NewEvent) -> Result<Appended, LogError>;
    /// Up to `limit` events with sequence > `after` that match `filter`, ascending.
    async fn read_after(
        &self,
        after: u64,
        filter: &Filter,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, LogError>;
    /// The event with this sequence, if retained.
    async fn get(&self, sequence: u64) -> Result<Option<StoredEvent>, LogError>;
    /// Oldest retained and latest assigned sequence.
    async fn bounds(&self) -> Result<Bounds, LogError>;
    /// Removes events older than max_age and beyond max_events (oldest first), and dedupe keys
    /// past their window; returns events removed. Only a prefix of the log is ever removed: an
    /// event is not removed by age while an older sequence is still young (clock stepped back).
    async fn enforce_retention(&self) -> Result<u64, LogError>;
}

#[cfg(any(test, feature = "test-util"))]
pub use crate::clock::ManualClock;
pub use crate::clock::SystemClock;
pub use crate::clock::WallClock;

#[cfg(test)]
mod tests;
