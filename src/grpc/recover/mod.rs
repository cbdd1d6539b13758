//! Lost-outcome recovery: when Atelio's answer says an earlier attempt of this operation already
//! did the work (`idempotency_key_exists` on a POST, an undecodable 2xx body, or a 404 on a DELETE
//! whose earlier attempt may have taken effect), the RPC finds that work's result instead of
//! failing. Creates look through the parent's list (`scan`) for the resource whose fields match
//! the request (`matching`, rules documented there); starts read the status; deletes answer done.
//! A recovered answer is marked (`idempotent-recovered: true`) and stored like any success. When
//! nothing is found the call fails with `OutcomeUnknown` (UNAVAILABLE, retryable, never stored).
pub mod matching;
mod scan;

use std::future::Future;

pub use scan::{Listing, scan};

use super::{Call, GatewayError};

/// Whether this failure says an earlier attempt probably did the work.
pub fn is_lost_outcome(e: &GatewayError) -> bool {
    matches!(e, GatewayError::Upstream(u) if u.is_outcome_unknown())
}

/// Runs `send`; on a lost-outcome answer runs `find` and answers with what it found.
pub async fn or_find<T, Find, FindFut>(
    call: &Call,
    send: impl Future<Output = Result<T, GatewayError>>,
    find: Find,
) -> Result<T, GatewayError>
where
    Find: FnOnce() -> FindFut,
    FindFut: Future<Output = Result<Option<T>, GatewayError>>,
{
    match send.await {
        Err(e) if is_lost_outcome(&e) => {
            tracing::info!("an earlier attempt probably succeeded; looking for its result");
            found(call, find().await?)
        }
        other => other,
    }
}

/// What a recovery found, as the RPC's result: marked recovered, or `OutcomeUnknown`.
pub fn found<T>(call: &Call, found: Option<T>) -> Result<T, GatewayError> {
    match found {
        Some(v) => {
            call.marks.mark_recovered();
            Ok(v)
        }
        None => {
            tracing::warn!("the earlier attempt's result was not found; the outcome stays unknown");
            crate::metrics::get()
                .idempotency
                .with_label_values(&["outcome_unknown"])
                .inc();
            Err(GatewayError::OutcomeUnknown)
        }
    }
}

/// Runs a DELETE; a 404 after an earlier attempt that may have taken effect means that attempt
/// deleted it: answers `done()`, marked recovered.
pub async fn delete_or_done<T>(
    call: &Call,
    send: impl Future<Output = Result<T, GatewayError>>,
    done: impl FnOnce() -> T,
) -> Result<T, GatewayError> {
    match send.await {
        Err(GatewayError::Upstream(e))
            if e.status() == Some(404) && call.uncertain.since().is_some() =>
        {
            tracing::info!("an earlier attempt probably deleted it already");
            call.marks.mark_recovered();
            Ok(done())
        }
        other => other,
    }
}
