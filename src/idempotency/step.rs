//! The idempotency step of a mutating RPC (architecture §2 step 3), after validation and before
//! the upstream call: begin → proceed / replay / wait for the in-flight twin / mismatch. The
//! outcome is stored (success or definitive rejection) or released (transient failure), and a
//! cancelled call releases its record. A replay is marked for `grpc::handle`, which adds the
//! `idempotent-replayed: true` response metadata.
use std::{
    cell::Cell, collections::HashMap, future::Future, sync::Arc, sync::Mutex, time::Duration,
};

use sha2::{Digest, Sha256};
use tokio::sync::Notify;

use super::{Begin, Fingerprint, IdempotencyStore, outcome};
use crate::deadline::Deadline;
use crate::grpc::{Call, GatewayError, to_status};

/// How long a record's lease outlives the call's deadline (a dead replica's lease then expires).
const LEASE_MARGIN: Duration = Duration::from_secs(5);
/// How often a waiting duplicate re-reads the store when no local wake-up comes (other replica).
const POLL: Duration = Duration::from_millis(100);

tokio::task_local! {
    static REPLAYED: Cell<bool>;
}

/// Runs `fut` and tells whether the idempotency step replayed a stored outcome inside it.
pub async fn replayed<F: Future>(fut: F) -> (F::Output, bool) {
    REPLAYED
        .scope(Cell::new(false), async move {
            let out = fut.await;
            (out, REPLAYED.try_with(Cell::get).unwrap_or(false))
        })
        .await
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
}

enum Acquired {
    Proceed,
    Replay(super::Outcome),
}

impl Idempotency {
    /// A coordinator keeping outcomes for `ttl`.
    pub fn new(store: Arc<dyn IdempotencyStore>, ttl: Duration) -> Self {
        Idempotency {
            store,
            ttl,
            local: Mutex::default(),
        }
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
                let _ = REPLAYED.try_with(|r| r.set(true));
                return outcome::replay(&stored).map_err(GatewayError::Replayed);
            }
            Acquired::Proceed => {}
        }
        let guard = ReleaseOnDrop {
            store: self.store.clone(),
            key: Some(key.clone()),
        };
        let result = op.await;
        self.finish(&key, &result).await;
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
                .map_err(|e| GatewayError::Store(e.to_string()))?
            {
                Begin::Proceed => return Ok(Acquired::Proceed),
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
                .map_err(|e| GatewayError::Store(e.to_string()))?
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

    /// Stores successes and definitive rejections; releases transient failures.
    async fn finish<T: prost::Message>(&self, key: &str, result: &Result<T, GatewayError>) {
        let stored = match result {
            Ok(resp) => self.store.complete(key, outcome::success(resp)).await,
            Err(GatewayError::Upstream(e)) if !e.is_transient() => {
                let status = to_status(GatewayError::Upstream(e.clone()));
                self.store.complete(key, outcome::rejection(&status)).await
            }
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

/// Releases the in-flight record if the call is dropped (caller gone) before it finished.
struct ReleaseOnDrop {
    store: Arc<dyn IdempotencyStore>,
    key: Option<String>,
}

impl ReleaseOnDrop {
    fn disarm(mut self) {
        self.key = None;
    }
}

impl Drop for ReleaseOnDrop {
    fn drop(&mut self) {
        if let (Some(key), Ok(rt)) = (self.key.take(), tokio::runtime::Handle::try_current()) {
            let store = self.store.clone();
            rt.spawn(async move {
                let _ = store.release(&key).await;
            });
        }
    }
}

/// SHA-256 over the method and the encoded request: equal requests, equal fingerprints.
pub fn fingerprint<M: prost::Message>(method: &str, req: &M) -> Fingerprint {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update([0u8]);
    h.update(req.encode_to_vec());
    h.finalize().into()
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
