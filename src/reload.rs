//! Files the gateway reloads without a restart (the callers file, the webhook secrets file):
//! polled every interval and reloaded when their contents change. Each outcome is counted
//! (`loaded`, `invalid`) and logged without the contents; a refused file leaves the previous
//! contents in force (that is the reloader's part).
use std::{path::Path, time::Duration};

use prometheus::IntCounterVec;
use sha2::{Digest, Sha256};

/// Polls `path` every `every`; when its bytes change, calls `reload` (how many entries it took,
/// or why the file was refused). Runs until aborted. `what` names the file in log lines.
pub async fn watch_file(
    path: &Path,
    every: Duration,
    what: &'static str,
    outcomes: &IntCounterVec,
    mut reload: impl FnMut() -> Result<usize, String>,
) {
    // A digest, so the file's secrets are not kept a second time in memory.
    let fingerprint = || std::fs::read(path).ok().map(Sha256::digest);
    let mut seen = fingerprint();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let now = fingerprint();
        if now == seen {
            continue;
        }
        seen = now;
        match reload() {
            Ok(entries) => {
                outcomes.with_label_values(&["loaded"]).inc();
                tracing::info!(file = what, entries, "file reloaded");
            }
            Err(e) => {
                outcomes.with_label_values(&["invalid"]).inc();
                tracing::error!(file = what, error = %e, "file refused; the previous contents stay in force");
            }
        }
    }
}
