//! Reconciliation: every `tick`, the pending verifications that are due are polled (K2, BOK2,
//! KB2) and what they show is learned (`Mirror::learn`, which relays a transition nobody
//! reported). A poll spends only spare upstream capacity (`Upstream::execute_spare`: no caller
//! queued, breaker closed) and at most `per_minute` calls of its own share; a replica polls a
//! record only after claiming it (one replica polls it at a time on a shared store).
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota};

use super::Mirror;
use super::learn::Learned;
use super::record::{Record, Source};
use super::state::SubjectKind;
use crate::deadline::Deadline;
use crate::domain::ResourceId;
use crate::upstream::pipeline::Upstream;
use crate::upstream::routes::{business, customer, owner};
use crate::upstream::{UpstreamError, UpstreamRequest};

/// How reconciliation runs.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// How often due records are looked for.
    pub tick: Duration,
    /// The most records polled per tick.
    pub batch: usize,
    /// Reconciliation's own share of the upstream budget, calls per minute.
    pub per_minute: u32,
    /// How long a claim on a record lasts (another replica may poll it after).
    pub lease: Duration,
    /// The deadline of one poll.
    pub timeout: Duration,
}

/// Why a pass stopped early.
enum Stop {
    /// No spare upstream capacity (callers are using it, or the breaker is not closed).
    Budget,
    /// Reconciliation's own share is spent.
    Share,
}

/// Polls due records forever (abort the task to stop it).
pub async fn run(mirror: Arc<Mirror>, upstream: Arc<Upstream>, s: Settings) {
    let per_minute = NonZeroU32::new(s.per_minute).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new((s.per_minute / 60).max(1)).unwrap_or(NonZeroU32::MIN);
    let share = DefaultDirectRateLimiter::direct(Quota::per_minute(per_minute).allow_burst(burst));
    let mut tick = tokio::time::interval(s.tick);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(stop) = pass(&mirror, &upstream, &share, &s).await {
            let reason = match stop {
                Stop::Budget => "budget",
                Stop::Share => "share",
            };
            let m = &crate::metrics::get().mirror;
            m.polls_deferred.with_label_values(&[reason]).inc();
        }
    }
}

/// One pass over the due records.
async fn pass(
    mirror: &Mirror,
    upstream: &Upstream,
    share: &DefaultDirectRateLimiter,
    s: &Settings,
) -> Result<(), Stop> {
    let now = crate::clock::now_ms();
    let due = match mirror.store().due(now, s.batch).await {
        Ok(due) => due,
        Err(e) => {
            tracing::warn!(error = %e, "reconciliation could not read the mirror");
            return Ok(());
        }
    };
    crate::metrics::get().mirror.due.set(due.len() as i64);
    for r in due {
        if share.check().is_err() {
            return Err(Stop::Share);
        }
        let until = now.saturating_add(crate::clock::millis(s.lease));
        match mirror.store().claim(&r.key, now, until).await {
            Ok(true) => poll(mirror, upstream, &r, s.timeout).await?,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "reconciliation could not claim a record"),
        }
    }
    Ok(())
}

/// Polls one record and learns what it shows.
async fn poll(
    mirror: &Mirror,
    upstream: &Upstream,
    r: &Record,
    timeout: Duration,
) -> Result<(), Stop> {
    let m = &crate::metrics::get().mirror;
    let Some(req) = request(r) else {
        return Ok(());
    };
    let answer = upstream.execute_spare(&req, Deadline::after(timeout)).await;
    let learned = match answer {
        Ok(None) => return Err(Stop::Budget),
        Ok(Some(resp)) => resp.json().map(|b| Learned::from_body(r.key.kind, &b)),
        Err(e) => Err(e),
    };
    match learned {
        Ok(l) => {
            let outcome = if l.state == r.state {
                "unchanged"
            } else {
                "changed"
            };
            m.polls.with_label_values(&[outcome]).inc();
            let business = r.business_id.as_deref();
            mirror
                .learn(r.key.clone(), business, l, Source::Reconciliation, false)
                .await;
        }
        Err(e) => failed(mirror, r, &e).await,
    }
    Ok(())
}

/// A failed poll is counted and the record rescheduled (its polls count backs nothing off;
/// the schedule follows the attempt's age).
async fn failed(mirror: &Mirror, r: &Record, e: &UpstreamError) {
    crate::metrics::get()
        .mirror
        .polls
        .with_label_values(&["failed"])
        .inc();
    tracing::info!(subject = r.key.kind.name(), error = %e, "reconciliation poll failed");
    let out = mirror
        .update(&r.key, None, |rec| rec.polls = rec.polls.saturating_add(1))
        .await;
    super::log_failure(out, "failed poll");
}

/// The status read of a record (None: its ids are not valid ids, which the edge never lets in).
fn request(r: &Record) -> Option<UpstreamRequest> {
    let id = ResourceId::parse(&r.key.id).ok()?;
    let program = ResourceId::parse(&r.key.program).ok();
    match r.key.kind {
        SubjectKind::Customer => Some(customer::kyc_status(&id, &program?)),
        SubjectKind::BeneficialOwner => {
            let b = ResourceId::parse(r.business_id.as_deref()?).ok()?;
            Some(owner::kyc_status(&b, &id, &program?))
        }
        SubjectKind::Business => Some(business::kyb_status(&id, program.as_ref())),
    }
}
