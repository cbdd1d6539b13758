//! Following a log shared by several replicas: events appended by other replicas are read from
//! the shared log and published into this replica's hub, so its subscribers see every event live
//! in one order whichever replica received the webhook. The follower waits on the log itself
//! (Redis: a blocking XREAD on a connection of its own) and re-reads from the hub's latest
//! sequence, so nothing is skipped; an event this replica published itself is not published
//! twice.
use std::{sync::Arc, time::Duration};

use super::hub::Hub;
use super::log::{EventLog, Filter};
use super::redis_log::RedisLog;

/// Events published per read.
const BATCH: usize = 512;

/// Runs until aborted.
pub async fn follow(hub: Arc<Hub>, log: Arc<RedisLog>) {
    let block = Duration::from_millis(1000);
    loop {
        let after = hub.latest();
        match log.read_after(after, &Filter::default(), BATCH).await {
            Ok(rows) if !rows.is_empty() => {
                for row in &rows {
                    hub.publish_stored(row);
                }
            }
            Ok(_) => {
                if log.wait_after(after, block).await.is_err() {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot follow the shared event log; retrying");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    }
}
