//! The mirror's storage contract and its in-memory backend. A backend keeps whole records and
//! two indexes (by subject, and pending ones by when they are due); every write is a
//! compare-and-set on the record's version, so concurrent writers (tasks, replicas) never
//! overwrite each other's changes: the loser re-reads and re-applies (`Mirror::update`).
use std::collections::HashMap;
use std::sync::Mutex;

use super::record::{Key, Record};
use super::state::SubjectKind;

/// Why the mirror could not answer (never names an id).
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    /// The SQLite database failed.
    #[error("mirror (SQLite) failed")]
    Sqlite(#[source] crate::storage::StorageError),
    /// Redis failed; its kind only, since a Redis error can quote arguments.
    #[error("mirror (Redis) failed: {0:?}")]
    Redis(redis::ErrorKind),
    /// A stored record did not decode (written by a newer build?).
    #[error("mirror record unreadable")]
    Corrupt,
    /// Writers kept conflicting on one record.
    #[error("mirror record contended")]
    Contended,
}

impl From<redis::RedisError> for MirrorError {
    fn from(e: redis::RedisError) -> Self {
        MirrorError::Redis(e.kind())
    }
}

/// Durable records of verification state.
#[async_trait::async_trait]
pub trait MirrorStore: Send + Sync + 'static {
    /// The record of one verification.
    async fn load(&self, key: &Key) -> Result<Option<Record>, MirrorError>;
    /// Every program's record of one subject.
    async fn of_subject(&self, kind: SubjectKind, id: &str) -> Result<Vec<Record>, MirrorError>;
    /// Stores `r` as version `r.version + 1` if the stored version is still `r.version` (0: not
    /// stored); false when another writer got there first.
    async fn save(&self, r: &Record) -> Result<bool, MirrorError>;
    /// Pending records whose `next_poll_ms` is at or before `now_ms`, earliest first.
    async fn due(&self, now_ms: i64, limit: usize) -> Result<Vec<Record>, MirrorError>;
    /// Pending records in key order, after the key text `after` ("" from the start).
    async fn pending(&self, after: &str, limit: usize) -> Result<Vec<Record>, MirrorError>;
    /// Takes the right to poll `key` until `until_ms` (one replica polls a record at a time);
    /// a store used by one process only always grants it.
    async fn claim(&self, key: &Key, now_ms: i64, until_ms: i64) -> Result<bool, MirrorError>;
}

/// A record as a store keeps it: JSON of the version it has once this save succeeds.
pub fn stored_json(r: &Record) -> Result<String, MirrorError> {
    let saved = Record {
        version: r.version + 1,
        ..r.clone()
    };
    serde_json::to_string(&saved).map_err(|_| MirrorError::Corrupt)
}

/// Records in process memory (tests, demos): lost on restart.
#[derive(Default)]
pub struct MemoryMirror {
    records: Mutex<HashMap<String, Record>>,
}

impl MemoryMirror {
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Record>) -> T) -> T {
        f(&mut self.records.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

#[async_trait::async_trait]
impl MirrorStore for MemoryMirror {
    async fn load(&self, key: &Key) -> Result<Option<Record>, MirrorError> {
        Ok(self.with(|m| m.get(&key.text()).cloned()))
    }

    async fn of_subject(&self, kind: SubjectKind, id: &str) -> Result<Vec<Record>, MirrorError> {
        Ok(self.with(|m| {
            m.values()
                .filter(|r| r.key.kind == kind && r.key.id == id)
                .cloned()
                .collect()
        }))
    }

    async fn save(&self, r: &Record) -> Result<bool, MirrorError> {
        Ok(self.with(|m| {
            let stored = m.get(&r.key.text()).map_or(0, |s| s.version);
            if stored != r.version {
                return false;
            }
            let mut next = r.clone();
            next.version += 1;
            m.insert(r.key.text(), next);
            true
        }))
    }

    async fn due(&self, now_ms: i64, limit: usize) -> Result<Vec<Record>, MirrorError> {
        let mut due: Vec<Record> = self.with(|m| {
            m.values()
                .filter(|r| r.next_poll_ms.is_some_and(|t| t <= now_ms))
                .cloned()
                .collect()
        });
        due.sort_by_key(|r| r.next_poll_ms);
        due.truncate(limit);
        Ok(due)
    }

    async fn pending(&self, after: &str, limit: usize) -> Result<Vec<Record>, MirrorError> {
        let mut out: Vec<Record> = self.with(|m| {
            m.iter()
                .filter(|(k, r)| k.as_str() > after && r.next_poll_ms.is_some())
                .map(|(_, r)| r.clone())
                .collect()
        });
        out.sort_by_key(|r| r.key.text());
        out.truncate(limit);
        Ok(out)
    }

    async fn claim(&self, _: &Key, _: i64, _: i64) -> Result<bool, MirrorError> {
        Ok(true)
    }
}
