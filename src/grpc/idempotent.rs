//! The idempotency step of a mutating RPC, after validation and before the upstream call:
//! begin → proceed / replay / wait for the in-flight twin / mismatch. The
//! outcome is stored (success or definitive rejection) or released (transient failure), and a
//! cancelled call, or one that may have taken effect upstream without its answer arriving, keeps
//! its record abandoned (lease lapsed) so the next attempt resumes it and recovers that outcome.
//! A replay (or a recovered outcome) is marked on the call ([`Marks`]), and `grpc::handle`
//! reads it to add the `idempotent-replayed: true` (`idempotent-recovered: true`) metadata.
//! The store, its backends and key derivation live below, in `crate::idempotency`.
use std::{
    collections::HashMap,
    future::Future,
    sync::atomic::{AtomicU8, Ordering},
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::sync::Notify;

use super::{Call, GatewayError, replay, to_status};
use crate::deadline::Deadline;
use crate::idempotency::{Begin, Fingerprint, IdempotencyStore, Outcome, fingerprint};

/// How long a record's lease outlives the call's deadline (a dead replica's lease then expires).
const LEASE_MARGIN: Duration = Duration::from_secs(5);
/// How often a waiting duplicate re-reads the store when no local wake-up comes (other replica).
const POLL: Duration = Duration::from_millis(100);

const REPLAYED: u8 = 1;
const RECOVERED: u8 = 2;

/// How a call's answer came about, shared by the clones of its [`Call`]: set by this step and
/// by lost-outcome recovery, read by `grpc::handle` for the response metadata.
#[derive(Clone, Debug, Default)]
pub struct Marks(Arc<AtomicU8>);

impl Marks {
    /// Replayed from the idempotency store.
    pub fn replayed(&self) -> bool {
        self.0.load(Ordering::Relaxed) & REPLAYED != 0
    }

    /// Recovered after an earlier attempt's answer was lost.
    pub fn recovered(&self) -> bool {
        self.0.load(Ordering::Relaxed) & RECOVERED != 0
    }

    /// Marks the answer as replayed.
    fn mark_replayed(&self) {
        self.0.fetch_or(REPLAYED, Ordering::Relaxed);
    }

    /// Marks the answer as recovered from an earlier attempt whose answer was lost.
    pub fn mark_recovered(&self) {
        self.0.fetch_or(RECOVERED, Ordering::Relaxed);
        record("recovered");
    }
}

/// Requests that carry an AIP-155 `request_id`.
pub trait RequestId {
    /// The caller's id of this operation; empty when not given.
    fn request_id(&self) -> &str;
}

/// The coordinator, shared by every RPC.
pub struct Idempotency {
    store: Arc<dyn IdempotencyStore>,
    ttl: Duration,
    local: Mutex<HashMap<String, Arc<Notify>>>,
    recovery_max_pages: u32,
}

enum Acquired {
    /// Run; `Some(ms)` when resuming an earlier attempt that began then (0: unknown).
    Proceed(Option<i64>),
    Replay(Outcome),
}

impl Idempotency {
    /// A coordinator keeping outcomes for `ttl`.
    pub fn new(store: Arc<dyn IdempotencyStore>, ttl: Duration) -> Self {
        Idempotency {
            store,
            ttl,
            local: Mutex::default(),
            recovery_max_pages: 20,
        }
    }

    /// Sets how many list pages a lost-outcome recovery may read.
    pub fn with_recovery_max_pages(mut self, pages: u32) -> Self {
        self.recovery_max_pages = pages.max(1);
        self
    }

    /// How many list pages a lost-outcome recovery may read.
    pub fn recovery_max_pages(&self) -> u32 {
        self.recovery_max_pages
    }

    /// The store (for the purge task).
    pub fn store(&self) -> Arc<dyn IdempotencyStore> {
        self.store.clone()
    }

    /// Runs `op` at most once for this call's scope; replays its stored outcome otherwise.
    pub async fn once<M, T>(
        &self,
        call: &Call,
        req: &M,
        op: impl Future<Output = Result<T, GatewayError>>,
    ) -> Result<T, GatewayError>
    where
        M: prost::Message + RequestId,
        T: prost::Message + Default,
    {
        if req.request_id().is_empty() {
            return op.await;
        }
        let key = call.key(req.request_id());
        match self
            .acquire(&key, fingerprint(call.method, req), call.deadline)
            .await?
        {
            Acquired::Replay(stored) => {
                call.marks.mark_replayed();
                return replay::replay(&stored).map_err(GatewayError::Replayed);
            }
            Acquired::Proceed(Some(first_attempt_ms)) => {
                record("resumed");
                call.uncertain.mark(first_attempt_ms);
            }
            Acquired::Proceed(None) => {}
        }
        let guard = AbandonOnDrop {
            store: self.store.clone(),
            key: Some(key.clone()),
        };
        let result = op.await;
        self.finish(&key, &result, call.uncertain.since().is_some())
            .await;
        guard.disarm();
        self.wake(&key);
        result
    }

    async fn acquire(
        &self,
        key: &str,
        fp: Fingerprint,
        deadline: Deadline,
    ) -> Result<Acquired, GatewayError> {
        loop {
            let lease = deadline.remaining() + LEASE_MARGIN;
            match self
                .store
                .begin(key, fp, lease, self.ttl)
                .await
                .map_err(GatewayError::Store)?
            {
                Begin::Proceed => return Ok(Acquired::Proceed(None)),
                Begin::Resume { first_attempt_ms } => {
                    return Ok(Acquired::Proceed(Some(first_attempt_ms)));
                }
                Begin::Replay(o) => {
                    record("replay");
                    return Ok(Acquired::Replay(o));
                }
                Begin::Mismatch => {
                    record("mismatch");
                    return Err(GatewayError::IdempotencyKeyReused);
                }
                Begin::InFlight => {
                    record("in_flight_wait");
                    self.wait(key, fp, deadline).await?
                }
            }
        }
    }

    /// Waits for the in-flight twin to finish (local wake-up or polling), within the deadline.
    async fn wait(
        &self,
        key: &str,
        fp: Fingerprint,
        deadline: Deadline,
    ) -> Result<(), GatewayError> {
        let notify = self
            .local
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key.to_string())
            .or_default()
            .clone();
        loop {
            let notified = notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            match self
                .store
                .peek(key, fp)
                .await
                .map_err(GatewayError::Store)?
            {
                Begin::InFlight => {}
                _ => return Ok(()),
            }
            let left = deadline.remaining();
            if left.is_zero() {
                return Err(GatewayError::InProgress);
            }
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep(POLL.min(left)) => {}
            }
        }
    }

    /// Stores successes and definitive rejections; abandons a failure whose upstream effect is
    /// unknown (`uncertain`: an attempt may have taken effect) so the next attempt resumes it;
    /// releases other transient failures (nothing reached Atelio, or nothing took effect).
    async fn finish<T: prost::Message>(
        &self,
        key: &str,
        result: &Result<T, GatewayError>,
        uncertain: bool,
    ) {
        let stored = match result {
            Ok(resp) => self.store.complete(key, replay::success(resp)).await,
            Err(GatewayError::Upstream(e)) if !e.is_transient() && !e.is_outcome_unknown() => {
                let status = to_status(GatewayError::Upstream(e.clone()));
                self.store.complete(key, replay::rejection(&status)).await
            }
            Err(e) if uncertain || outcome_unknown(e) => self.store.abandon(key).await,
            Err(_) => self.store.release(key).await,
        };
        if let Err(e) = stored {
            tracing::warn!(error = %e, "could not record an idempotent outcome; a retry will run again");
        }
    }

    fn wake(&self, key: &str) {
        if let Some(n) = self
            .local
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key)
        {
            n.notify_waiters();
        }
    }
}

/// Whether the failure says an earlier attempt may have done the work (never stored).
fn outcome_unknown(e: &GatewayError) -> bool {
    match e {
        GatewayError::OutcomeUnknown => true,
        GatewayError::Upstream(u) => u.is_outcome_unknown(),
        _ => false,
    }
}

/// Abandons the in-flight record if the call is dropped (caller gone) before it finished: its
/// upstream request may be on the wire, so the next attempt resumes rather than starts afresh.
struct AbandonOnDrop {
    store: Arc<dyn IdempotencyStore>,
    key: Option<String>,
}

impl AbandonOnDrop {
    fn disarm(mut self) {
        self.key = None;
    }
}

impl Drop for AbandonOnDrop {
    fn drop(&mut self) {
        if let (Some(key), Ok(rt)) = (self.key.take(), tokio::runtime::Handle::try_current()) {
            let store = self.store.clone();
            rt.spawn(async move {
                let _ = store.abandon(&key).await;
            });
        }
    }
}

macro_rules! request_id {
    ($($t:ident),* $(,)?) => {
        $(impl RequestId for crate::proto::v1::$t {
            fn request_id(&self) -> &str { &self.request_id }
        })*
    };
}

request_id!(
    CreateCustomerRequest,
    UpdateCustomerRequest,
    DeleteCustomerRequest,
    StartCustomerKycRequest,
    SubmitCustomerKycDocumentsRequest,
    CreateBusinessRequest,
    UpdateBusinessRequest,
    DeleteBusinessRequest,
    CreateBusinessAddressRequest,
    UpdateBusinessAddressRequest,
    DeleteBusinessAddressRequest,
    StartKybRequest,
    CreateBeneficialOwnerRequest,
    UpdateBeneficialOwnerRequest,
    DeleteBeneficialOwnerRequest,
    CreateBeneficialOwnerAddressRequest,
    UpdateBeneficialOwnerAddressRequest,
    DeleteBeneficialOwnerAddressRequest,
    StartBeneficialOwnerKycRequest,
);

fn record(outcome: &str) {
    crate::metrics::get()
        .idempotency
        .with_label_values(&[outcome])
        .inc();
}
