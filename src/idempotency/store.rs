//! Idempotency, the record keeper's contract. Before a mutating RPC calls upstream it asks an
//! [`IdempotencyStore`] to `begin` (run, replay, wait, or reject a reused key); afterwards it
//! `complete`s the record with the outcome, or `release`s it after a transient failure. Backends:
//! `memory` (tests, single process) and `sqlite` (embedded default, durable).
use crate::clock::millis;
use std::time::Duration;

/// A digest of the request, so a reused key with a different request is recognised.
pub type Fingerprint = [u8; 32];

/// What a store says when an operation begins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// No live record: one was written in flight (lease and expiry set). Run the operation.
    Proceed,
    /// An earlier attempt of the same operation left its outcome unknown (it was abandoned after
    /// it may have reached Atelio, or its replica died mid-call): the record is in flight again
    /// under a new lease. Run the operation, and treat "already done" answers as that earlier
    /// attempt's success. `first_attempt_ms` is when the first attempt began (0: unknown).
    Resume {
        /// Unix milliseconds of the first attempt; 0 when the record predates this field.
        first_attempt_ms: i64,
    },
    /// The operation completed before with this fingerprint: replay its outcome.
    Replay(Outcome),
    /// The same operation is in flight elsewhere with a live lease.
    InFlight,
    /// A record with a different fingerprint exists under this key.
    Mismatch,
}

/// A stored outcome: opaque bytes (an encoded response or an encoded error status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub ok: bool,
    pub payload: Vec<u8>,
}

/// Why a store could not answer. Messages never contain keys, fingerprints or payloads.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The SQLite database failed.
    #[error("idempotency store (SQLite) failed")]
    Sqlite(#[source] crate::storage::StorageError),
    /// Redis failed; its kind only, since a Redis error can quote script text or arguments.
    #[error("idempotency store (Redis) failed: {0:?}")]
    Redis(redis::ErrorKind),
    /// Redis answered something the script never returns.
    #[error("idempotency store (Redis) gave an unexpected reply")]
    UnexpectedReply,
    /// The memory store holds `idempotency.memory_max_records` live records.
    #[error("memory store full")]
    Full,
}

#[cfg(any(test, feature = "test-util"))]
pub use crate::clock::ManualClock;
pub use crate::clock::{SystemClock, WallClock};

/// The record keeper behind every mutating RPC.
#[async_trait::async_trait]
pub trait IdempotencyStore: Send + Sync + 'static {
    /// Atomically: no record, or an expired one (expires_at <= now) → write an in-flight record
    /// {fingerprint, lease_until = now + lease, expires_at = now + ttl, started_at = now} →
    /// Proceed. Existing live record: different fingerprint → Mismatch (untouched); completed →
    /// Replay; in flight with lease_until > now → InFlight; in flight with an expired lease (a
    /// dead replica's, or abandoned) → take it over (new lease_until) → Resume.
    async fn begin(
        &self,
        key: &str,
        fp: Fingerprint,
        lease: Duration,
        ttl: Duration,
    ) -> Result<Begin, StoreError>;
    /// Like `begin` but never writes: returns Replay / InFlight / Mismatch, Resume when the lease
    /// expired, or Proceed when there is no live record (the waiter may then call `begin`).
    async fn peek(&self, key: &str, fp: Fingerprint) -> Result<Begin, StoreError>;
    /// Stores the outcome of an in-flight record; a no-op if the record is gone.
    async fn complete(&self, key: &str, outcome: Outcome) -> Result<(), StoreError>;
    /// Deletes an IN-FLIGHT record (a transient failure that never reached Atelio: a retry runs
    /// again as new). Never deletes a completed one.
    async fn release(&self, key: &str) -> Result<(), StoreError>;
    /// Keeps an IN-FLIGHT record but lapses its lease (lease_until = 0): the attempt may have
    /// taken effect upstream, so the next `begin` answers Resume. Never touches a completed one.
    async fn abandon(&self, key: &str) -> Result<(), StoreError>;
    /// Deletes every record with expires_at <= now; returns how many.
    async fn purge_expired(&self) -> Result<u64, StoreError>;
}

/// One record as both backends hold it; `judge` is the decision table they share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub fingerprint: Fingerprint,
    pub lease_until: i64,
    pub expires_at: i64,
    /// When the first attempt began (0: unknown).
    pub started_at: i64,
    /// `None` while in flight.
    pub outcome: Option<Outcome>,
}

impl Record {
    pub(crate) fn in_flight(fp: Fingerprint, now: i64, lease: Duration, ttl: Duration) -> Self {
        Self {
            fingerprint: fp,
            lease_until: after(now, lease),
            expires_at: after(now, ttl),
            started_at: now,
            outcome: None,
        }
    }

    pub(crate) fn is_live(&self, now: i64) -> bool {
        self.expires_at > now
    }

    /// What `peek` answers for this record; `Proceed` means "absent or expired", `Resume` "lease
    /// lapsed".
    pub(crate) fn judge(&self, fp: Fingerprint, now: i64) -> Begin {
        if !self.is_live(now) {
            Begin::Proceed
        } else if self.fingerprint != fp {
            Begin::Mismatch
        } else if let Some(outcome) = &self.outcome {
            Begin::Replay(outcome.clone())
        } else if self.lease_until > now {
            Begin::InFlight
        } else {
            Begin::Resume {
                first_attempt_ms: self.started_at,
            }
        }
    }
}

impl Begin {
    /// Whether the caller may run the operation (`Proceed` or `Resume`).
    pub fn may_run(&self) -> bool {
        matches!(self, Begin::Proceed | Begin::Resume { .. })
    }
}

/// `now + d` in milliseconds, saturating.
pub(crate) fn after(now: i64, d: Duration) -> i64 {
    now.saturating_add(millis(d))
}
