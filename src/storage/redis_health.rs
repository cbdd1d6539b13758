//! Whether the shared Redis answers: a PING every second on the shared connection, published as
//! a `watch` (health turns NOT_SERVING while it is down) and the `redis_up` gauge, with one log
//! line per change. Runs until aborted.
use std::time::Duration;

use super::RedisConn;
use tokio::sync::watch;

/// The task and the flag it keeps (true: Redis answered the last PING).
pub fn monitor(conn: RedisConn) -> (impl Future<Output = ()> + Send, watch::Receiver<bool>) {
    let (tx, rx) = watch::channel(true);
    crate::metrics::get().redis_up.set(1);
    let task = async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let pong: redis::RedisResult<String> =
                redis::cmd("PING").query_async(&mut conn.clone()).await;
            let up = pong.is_ok();
            crate::metrics::get().redis_up.set(i64::from(up));
            tx.send_if_modified(|was| {
                let changed = *was != up;
                if changed {
                    if up {
                        tracing::info!("redis answers again; serving");
                    } else {
                        tracing::error!("redis does not answer; health NOT_SERVING");
                    }
                }
                *was = up;
                changed
            });
        }
    };
    (task, rx)
}
