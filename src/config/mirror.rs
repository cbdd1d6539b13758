//! `[mirror]`: the verification-state mirror and its reconciliation (what is polled, how often,
//! and with how much of the shared upstream budget).
use std::{path::PathBuf, time::Duration};

use serde::Deserialize;

use super::{ConfigError, StoreBackend, check::positive};

/// `[mirror]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MirrorConfig {
    /// Keep the mirror (status reads with `max_staleness`, reconciliation, the pending list).
    pub enabled: bool,
    /// `sqlite`, `redis` (several replicas) or `memory`; unset: the event log's store (the
    /// mirror and the log relay together, so they live in the same place).
    pub store: Option<StoreBackend>,
    /// SQLite file; default: the event log's file.
    pub sqlite_path: Option<PathBuf>,
    /// Poll pending verifications that no webhook settles.
    pub reconcile: bool,
    /// First poll after a start, and the shortest interval, ms.
    pub first_poll_ms: u64,
    /// Longest interval between two polls of one verification, ms.
    pub max_poll_interval_ms: u64,
    /// Reconciliation's share of `rate_limit.per_minute` (it also only uses capacity no caller
    /// is waiting for).
    pub reconcile_share: f64,
    /// How often due verifications are looked for, ms.
    pub tick_ms: u64,
    /// Most verifications polled per tick.
    pub batch: usize,
    /// Requested documents expire this long after they were first requested, days.
    pub document_expiry_days: u64,
}

impl Default for MirrorConfig {
    fn default() -> Self {
        MirrorConfig {
            enabled: true,
            store: None,
            sqlite_path: None,
            reconcile: true,
            first_poll_ms: 30_000,
            max_poll_interval_ms: 3_600_000,
            reconcile_share: 0.1,
            tick_ms: 1_000,
            batch: 50,
            document_expiry_days: 28,
        }
    }
}

impl MirrorConfig {
    /// `[mirror]` values.
    pub fn check(&self) -> Result<(), ConfigError> {
        positive("mirror.first_poll_ms", self.first_poll_ms)?;
        positive("mirror.max_poll_interval_ms", self.max_poll_interval_ms)?;
        positive("mirror.tick_ms", self.tick_ms)?;
        positive("mirror.batch", self.batch as u64)?;
        positive("mirror.document_expiry_days", self.document_expiry_days)?;
        if self.max_poll_interval_ms < self.first_poll_ms {
            return Err(ConfigError::new(
                "mirror.max_poll_interval_ms",
                "must be at least mirror.first_poll_ms",
            ));
        }
        if !(self.reconcile_share > 0.0 && self.reconcile_share <= 1.0) {
            return Err(ConfigError::new(
                "mirror.reconcile_share",
                "must be greater than 0 and at most 1",
            ));
        }
        Ok(())
    }

    /// `mirror.first_poll_ms`.
    pub fn first_poll(&self) -> Duration {
        Duration::from_millis(self.first_poll_ms)
    }

    /// `mirror.max_poll_interval_ms`.
    pub fn max_poll_interval(&self) -> Duration {
        Duration::from_millis(self.max_poll_interval_ms)
    }

    /// `mirror.tick_ms`.
    pub fn tick(&self) -> Duration {
        Duration::from_millis(self.tick_ms)
    }

    /// `mirror.document_expiry_days`.
    pub fn document_expiry(&self) -> Duration {
        Duration::from_secs(self.document_expiry_days.saturating_mul(24 * 3600))
    }

    /// Reconciliation's calls per minute out of `per_minute`.
    pub fn reconcile_per_minute(&self, per_minute: u32) -> u32 {
        ((f64::from(per_minute) * self.reconcile_share) as u32).max(1)
    }
}
