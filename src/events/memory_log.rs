//! The event log in memory (tests, a single replica without durability): a deque ordered by
//! sequence, a map of dedupe keys with their expiry, and the latest sequence ever assigned. One
//! mutex guards all three, so an append's check-and-insert is atomic; it is never held across an
//! await (no method awaits at all).
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::log::{
    Appended, Bounds, EventLog, Filter, LogError, NewEvent, Retention, StoredEvent, WallClock,
};

/// An [`EventLog`] held by this process only.
pub struct MemoryLog {
    retention: Retention,
    clock: Arc<dyn WallClock>,
    state: Mutex<State>,
}

/// A remembered dedupe key.
#[derive(Clone, Copy, Debug)]
struct Seen {
    sequence: u64,
    expires_at: i64,
}

#[derive(Debug, Default)]
struct State {
    /// Ascending by sequence, without gaps between retained events.
    events: VecDeque<StoredEvent>,
    dedupe: HashMap<String, Seen>,
    latest: u64,
}

impl MemoryLog {
    /// An empty log that keeps events and keys as `retention` says (when enforced).
    pub fn new(retention: Retention, clock: Arc<dyn WallClock>) -> Self {
        Self {
            retention,
            clock,
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every mutation below leaves the state consistent before anything can panic.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// The index of the first event with a sequence greater than `after`.
    fn first_after(&self, after: u64) -> usize {
        self.events.partition_point(|e| e.sequence <= after)
    }

    fn find(&self, sequence: u64) -> Option<&StoredEvent> {
        let at = self.first_after(sequence.saturating_sub(1));
        self.events.get(at).filter(|e| e.sequence == sequence)
    }

    /// The sequence of a live key's first copy (0 once retention removed that copy).
    fn duplicate_of(&self, key: &str, now: i64) -> Option<u64> {
        let seen = self.dedupe.get(key).filter(|s| s.expires_at > now)?;
        Some(self.find(seen.sequence).map_or(0, |e| e.sequence))
    }

    /// Pops events from the front while `expired` says so; returns how many.
    fn pop_while(&mut self, expired: impl Fn(&StoredEvent) -> bool) -> u64 {
        let mut removed = 0;
        while self.events.front().is_some_and(&expired) {
            self.events.pop_front();
            removed += 1;
        }
        removed
    }
}

#[async_trait::async_trait]
impl EventLog for MemoryLog {
    async fn append(&self, e: NewEvent) -> Result<Appended, LogError> {
        let now = self.clock.now_ms();
        let mut state = self.lock();
        let keys = std::iter::once(&e.dedupe_key).chain(e.also_dedupe.as_ref());
        if let Some(first) = keys.filter_map(|k| state.duplicate_of(k, now)).next() {
            return Ok(Appended::Duplicate(first));
        }
        let sequence = state.latest.checked_add(1).ok_or_else(exhausted)?;
        state.latest = sequence;
        let seen = Seen {
            sequence,
            expires_at: self.retention.dedupe_until(now),
        };
        if let Some(also) = e.also_dedupe {
            state.dedupe.insert(also, seen);
        }
        state.dedupe.insert(e.dedupe_key, seen);
        state.events.push_back(StoredEvent {
            sequence,
            received_at_ms: e.received_at_ms.unwrap_or(now),
            kind: e.kind,
            subject: e.subject,
            payload: e.payload,
        });
        Ok(Appended::New(sequence))
    }

    async fn read_after(
        &self,
        after: u64,
        filter: &Filter,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, LogError> {
        let state = self.lock();
        let start = state.first_after(after);
        Ok(state
            .events
            .range(start..)
            .filter(|e| filter.matches(e.kind, &e.subject))
            .take(limit)
            .cloned()
            .collect())
    }

    async fn get(&self, sequence: u64) -> Result<Option<StoredEvent>, LogError> {
        Ok(self.lock().find(sequence).cloned())
    }

    async fn bounds(&self) -> Result<Bounds, LogError> {
        let state = self.lock();
        Ok(Bounds {
            oldest: state.events.front().map(|e| e.sequence),
            latest: state.latest,
        })
    }

    async fn enforce_retention(&self) -> Result<u64, LogError> {
        let now = self.clock.now_ms();
        let too_old = self.retention.age_cutoff(now);
        let mut state = self.lock();
        let beyond = self.retention.count_cutoff(state.latest);
        let removed = state.pop_while(|e| e.received_at_ms < too_old || e.sequence <= beyond);
        state.dedupe.retain(|_, seen| seen.expires_at > now);
        Ok(removed)
    }
}

fn exhausted() -> LogError {
    LogError::Exhausted
}
