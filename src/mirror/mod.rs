//! The verification-state mirror: what the gateway knows of every verification it has seen
//! (subject × program), kept true by three feeds and used three ways.
//!
//! Feeds: the gateway's own start and status answers (`grpc::kyc`, `grpc::kyb` →
//! [`Mirror::started`], [`Mirror::answered`]), relayed webhooks (`webhook::router` →
//! [`relay::webhook`]) and reconciliation polls ([`reconcile`]). Uses: status reads inside a
//! caller's `max_staleness` answered with no upstream call ([`Mirror::fresh`]), transitions no
//! webhook reported relayed as `RECONCILED` events exactly once (the event log dedupes a late
//! webhook against the transition key, [`record::Record::transition_key`]), and the pending list
//! operators read (`ListPendingVerifications`).
//!
//! Layers: below `grpc` and `webhook`, above `events`, `upstream` and `storage`.
pub mod learn;
pub mod reconcile;
pub mod record;
pub mod redis;
pub mod relay;
pub mod schedule;
pub mod sqlite;
pub mod state;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use crate::events::hub::Hub;
use record::{Document, Key, Observation, Record, Source};
use schedule::Schedule;
use state::{State, SubjectKind};
use store::{MirrorError, MirrorStore};

/// How many times a contended save is re-applied before giving up.
const SAVE_ATTEMPTS: usize = 16;

/// The mirror over its store, relaying through `hub`.
pub struct Mirror {
    store: Arc<dyn MirrorStore>,
    hub: Arc<Hub>,
    schedule: Schedule,
    document_expiry: Duration,
}

impl Mirror {
    /// A mirror on `store` relaying to `hub`, polling on `schedule`; documents expire
    /// `document_expiry` after they were first requested.
    pub fn new(
        store: Arc<dyn MirrorStore>,
        hub: Arc<Hub>,
        schedule: Schedule,
        document_expiry: Duration,
    ) -> Self {
        Mirror {
            store,
            hub,
            schedule,
            document_expiry,
        }
    }

    /// The hub events are relayed to.
    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    /// The store (reconciliation and the pending list read it directly).
    pub fn store(&self) -> &Arc<dyn MirrorStore> {
        &self.store
    }

    /// How long requested documents stay valid, in ms.
    pub fn document_expiry_ms(&self) -> i64 {
        crate::clock::millis(self.document_expiry)
    }

    /// Loads (or creates) the record of `key`, applies `change`, schedules its next poll and
    /// saves it, re-applying `change` to a fresh copy when another writer saved first.
    pub async fn update(
        &self,
        key: &Key,
        business_id: Option<&str>,
        change: impl Fn(&mut Record),
    ) -> Result<Record, MirrorError> {
        for _ in 0..SAVE_ATTEMPTS {
            let now = crate::clock::now_ms();
            let mut r = match self.store.load(key).await? {
                Some(r) => r,
                None => Record::new(key.clone(), business_id.map(str::to_string), now),
            };
            if r.business_id.is_none() {
                r.business_id = business_id.map(str::to_string);
            }
            change(&mut r);
            r.next_poll_ms = self.schedule.next_poll(&r, now);
            if self.store.save(&r).await? {
                r.version += 1;
                return Ok(r);
            }
        }
        Err(MirrorError::Contended)
    }

    /// The record of `key` when it may answer a read that accepts `max_staleness`: confirmed
    /// at most that long ago, or final. None: ask Atelio (also when the mirror fails).
    pub async fn fresh(&self, key: &Key, max_staleness: Duration) -> Option<Record> {
        if max_staleness.is_zero() {
            return None;
        }
        let r = match self.store.load(key).await {
            Ok(r) => r?,
            Err(e) => {
                tracing::warn!(error = %e, "mirror read failed; asking Atelio");
                return None;
            }
        };
        let age = crate::clock::now_ms().saturating_sub(r.learned_at_ms);
        let known = r.state != State::Other;
        (known && (r.state.is_final() || age <= crate::clock::millis(max_staleness))).then_some(r)
    }

    /// The record a webhook about this subject belongs to (webhooks name no program): the
    /// pending verification started last, else the one learned last.
    pub async fn of_webhook(&self, kind: SubjectKind, id: &str) -> Option<Record> {
        let all = match self.store.of_subject(kind, id).await {
            Ok(all) => all,
            Err(e) => {
                tracing::warn!(error = %e, "mirror read failed; relaying without it");
                return None;
            }
        };
        let pending = all.iter().filter(|r| r.state.is_pending());
        if let Some(r) = pending.max_by_key(|r| (r.started_at_ms, r.learned_at_ms)) {
            return Some(r.clone());
        }
        all.into_iter().max_by_key(|r| r.learned_at_ms)
    }
}

/// An observation made now.
pub fn observation(
    state: State,
    raw: &str,
    source: Source,
    documents: Vec<Document>,
    body: Option<String>,
) -> Observation {
    Observation {
        state,
        raw: raw.to_string(),
        source,
        at_ms: crate::clock::now_ms(),
        documents,
        body,
    }
}

pub(crate) fn log_failure(out: Result<Record, MirrorError>, what: &'static str) {
    if let Err(e) = out {
        crate::metrics::get().mirror.failures.inc();
        tracing::warn!(error = %e, what, "mirror update failed");
    }
}

#[cfg(test)]
mod tests;
