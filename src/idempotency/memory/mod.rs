//! Idempotency, the in-memory backend: records live in this process only (tests, single replica
//! without durability). Bounded: when full it drops expired records first, then the completed
//! record closest to expiry; in-flight records are never evicted.
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::store::{Begin, Fingerprint, IdempotencyStore, Outcome, Record, StoreError, WallClock};

/// An [`IdempotencyStore`] in a mutex-guarded map. The mutex is never held across an await.
pub struct MemoryStore {
    max_records: usize,
    clock: Arc<dyn WallClock>,
    records: Mutex<Records>,
}

impl MemoryStore {
    /// A store holding at most `max_records` records.
    pub fn new(max_records: usize, clock: Arc<dyn WallClock>) -> Self {
        Self {
            max_records,
            clock,
            records: Mutex::new(Records::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Records> {
        // Every mutation below leaves the indexes consistent before it can panic.
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait::async_trait]
impl IdempotencyStore for MemoryStore {
    async fn begin(
        &self,
        key: &str,
        fp: Fingerprint,
        lease: Duration,
        ttl: Duration,
    ) -> Result<Begin, StoreError> {
        let now = self.clock.now_ms();
        let begun = self
            .lock()
            .begin(key, fp, now, (lease, ttl), self.max_records);
        if begun.is_err() {
            tracing::warn!(
                max_records = self.max_records,
                "memory idempotency store is full"
            );
        }
        begun
    }

    async fn peek(&self, key: &str, fp: Fingerprint) -> Result<Begin, StoreError> {
        let now = self.clock.now_ms();
        let records = self.lock();
        Ok(records
            .by_key
            .get(key)
            .map_or(Begin::Proceed, |record| record.judge(fp, now)))
    }

    async fn complete(&self, key: &str, outcome: Outcome) -> Result<(), StoreError> {
        self.lock().complete(key, outcome);
        Ok(())
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        let mut records = self.lock();
        if records.by_key.get(key).is_some_and(|r| r.outcome.is_none()) {
            records.remove(key);
        }
        Ok(())
    }

    async fn abandon(&self, key: &str) -> Result<(), StoreError> {
        if let Some(r) = self.lock().by_key.get_mut(key)
            && r.outcome.is_none()
        {
            r.lease_until = 0;
        }
        Ok(())
    }

    async fn purge_expired(&self) -> Result<u64, StoreError> {
        let now = self.clock.now_ms();
        Ok(self.lock().purge(now))
    }
}

/// The map plus two orderings by `(expires_at, key)`: every record, and the completed ones.
#[derive(Default)]
struct Records {
    by_key: HashMap<String, Record>,
    by_expiry: BTreeSet<(i64, String)>,
    completed: BTreeSet<(i64, String)>,
}

impl Records {
    fn begin(
        &mut self,
        key: &str,
        fp: Fingerprint,
        now: i64,
        (lease, ttl): (Duration, Duration),
        max_records: usize,
    ) -> Result<Begin, StoreError> {
        if let Some(record) = self.by_key.get_mut(key).filter(|r| r.is_live(now)) {
            let verdict = record.judge(fp, now);
            if verdict.may_run() {
                record.lease_until = super::store::after(now, lease);
            }
            return Ok(verdict);
        }
        self.remove(key);
        if !self.make_room(now, max_records) {
            return Err(StoreError::Full);
        }
        self.insert(key, Record::in_flight(fp, now, lease, ttl));
        Ok(Begin::Proceed)
    }

    fn complete(&mut self, key: &str, outcome: Outcome) {
        let Some(record) = self.by_key.get_mut(key) else {
            return;
        };
        if record.outcome.is_none() {
            record.outcome = Some(outcome);
            self.completed.insert((record.expires_at, key.to_owned()));
        }
    }

    fn insert(&mut self, key: &str, record: Record) {
        self.by_expiry.insert((record.expires_at, key.to_owned()));
        if record.outcome.is_some() {
            self.completed.insert((record.expires_at, key.to_owned()));
        }
        self.by_key.insert(key.to_owned(), record);
    }

    fn remove(&mut self, key: &str) {
        if let Some(record) = self.by_key.remove(key) {
            let entry = (record.expires_at, key.to_owned());
            self.by_expiry.remove(&entry);
            self.completed.remove(&entry);
        }
    }

    /// Drops every record with `expires_at <= now`.
    fn purge(&mut self, now: i64) -> u64 {
        let mut purged = 0;
        while self.by_expiry.first().is_some_and(|(at, _)| *at <= now) {
            if let Some(entry) = self.by_expiry.pop_first() {
                self.by_key.remove(&entry.1);
                self.completed.remove(&entry);
                purged += 1;
            }
        }
        purged
    }

    /// Frees one slot if the store is full; false when only in-flight records remain.
    fn make_room(&mut self, now: i64, max_records: usize) -> bool {
        if self.by_key.len() < max_records {
            return true;
        }
        self.purge(now);
        while self.by_key.len() >= max_records {
            let Some(entry) = self.completed.pop_first() else {
                return false;
            };
            self.by_key.remove(&entry.1);
            self.by_expiry.remove(&entry);
        }
        true
    }
}

#[cfg(test)]
mod tests;
