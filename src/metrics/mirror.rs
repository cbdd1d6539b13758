//! The verification-mirror series: status reads by where they were answered, reconciliation
//! polls by outcome, relays by origin, late webhooks recognised as copies of reconciled
//! transitions, the pending backlog, and failed mirror writes. Labels are fixed names only.
use prometheus::{IntCounter, IntCounterVec, IntGauge, Registry};

use super::{counter, single};

/// Mirror and reconciliation metrics.
pub struct MirrorMetrics {
    /// Status reads by source (`mirror`, `upstream`) and subject type.
    pub status_reads: IntCounterVec,
    /// Reconciliation polls by outcome (`unchanged`, `changed`, `failed`).
    pub polls: IntCounterVec,
    /// Due polls put off because no spare upstream capacity was free (`budget`, `share`).
    pub polls_deferred: IntCounterVec,
    /// Events relayed with the mirror's context, by origin (`webhook`, `reconciled`).
    pub relayed: IntCounterVec,
    /// Webhooks not relayed because reconciliation had already relayed their transition.
    pub late_webhooks: IntCounter,
    /// Pending verifications seen by the last reconciliation pass (due or not yet due).
    pub due: IntGauge,
    /// Mirror reads or writes that failed (the call they served went on without them).
    pub failures: IntCounter,
}

impl MirrorMetrics {
    pub(super) fn new(r: &Registry) -> MirrorMetrics {
        let gauge = |name: &str, help: &str| single(r, IntGauge::new(name, help).expect("gauge"));
        let plain =
            |name: &str, help: &str| single(r, IntCounter::new(name, help).expect("counter"));
        MirrorMetrics {
            status_reads: counter(
                r,
                "mirror_status_reads_total",
                "Status reads by where they were answered and subject type",
                &["source", "subject"],
            ),
            polls: counter(
                r,
                "reconcile_polls_total",
                "Reconciliation status polls by outcome",
                &["outcome"],
            ),
            polls_deferred: counter(
                r,
                "reconcile_deferred_total",
                "Due polls put off for lack of spare upstream capacity, by reason",
                &["reason"],
            ),
            relayed: counter(
                r,
                "mirror_relayed_total",
                "Events relayed by origin",
                &["origin"],
            ),
            late_webhooks: plain(
                "mirror_late_webhooks_total",
                "Webhooks whose transition reconciliation had already relayed",
            ),
            due: gauge(
                "reconcile_due",
                "Verifications due for a poll at the last reconciliation pass",
            ),
            failures: plain("mirror_failures_total", "Failed mirror reads or writes"),
        }
    }
}
