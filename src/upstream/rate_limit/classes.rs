//! Priority classes over the one upstream budget: mutating calls, then reads, then
//! reconciliation. Reads (GETs) first take a permit of their own share
//! (`rate_limit.read_share` of the budget) and then the budget's, so they never hold more than
//! that share of it and a mutating call queues behind at most the few reads already let
//! through; reconciliation takes only a permit neither class is waiting for
//! (`RateLimiter::try_spare`). Every permit is counted by class and outcome.
use std::time::Duration;

use reqwest::Method;

use super::{RateLimited, RateLimiter};
use crate::deadline::Deadline;

/// A call's class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// POST, PATCH, PUT, DELETE: starts, uploads, creates, updates.
    Mutating,
    /// GET.
    Read,
}

impl Class {
    /// The class of a request method.
    pub fn of(method: &Method) -> Class {
        if method == Method::GET {
            Class::Read
        } else {
            Class::Mutating
        }
    }

    /// Its metric label.
    pub fn name(self) -> &'static str {
        match self {
            Class::Mutating => "mutating",
            Class::Read => "read",
        }
    }
}

/// The budget and the read class's share of it.
pub struct Classes {
    /// The whole budget (and the per-caller quotas).
    pub global: RateLimiter,
    /// The reads' share; None: reads use the whole budget.
    pub reads: Option<RateLimiter>,
}

impl Classes {
    /// A permit for a call of `class` (the time waited), or why none came in time.
    pub async fn acquire(
        &self,
        class: Class,
        caller: &str,
        deadline: Deadline,
    ) -> Result<Duration, RateLimited> {
        let share = match (class, &self.reads) {
            (Class::Read, Some(reads)) => reads.acquire(caller, deadline).await,
            _ => Ok(Duration::ZERO),
        };
        let out = match share {
            Ok(waited) => self
                .global
                .acquire(caller, deadline)
                .await
                .map(|more| waited + more),
            Err(e) => Err(e),
        };
        let outcome = match &out {
            Ok(waited) if *waited >= Duration::from_millis(1) => "waited",
            Ok(_) => "granted",
            Err(_) => "refused",
        };
        count(class.name(), outcome);
        out
    }

    /// A permit for reconciliation: only when no read waits for its share and
    /// `RateLimiter::try_spare` grants one.
    pub async fn try_spare(&self) -> bool {
        let reads_idle = self.reads.as_ref().is_none_or(RateLimiter::idle);
        let granted = reads_idle && self.global.try_spare().await;
        count(
            "reconciliation",
            if granted { "granted" } else { "deferred" },
        );
        granted
    }
}

fn count(class: &str, outcome: &str) {
    let m = &crate::metrics::get().rate_limit_permits;
    m.with_label_values(&[class, outcome]).inc();
}
