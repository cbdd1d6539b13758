//! The handle on the shared Redis: one for the whole process over a multiplexed,
//! self-reconnecting `ConnectionManager`, created lazily so the gateway starts while Redis is
//! down and recovers by itself when it returns; with Sentinel the manager is swapped whole when
//! the master moves. Commands time out after `redis.timeout_ms` and are not retried here: the
//! store reports UNAVAILABLE and the caller decides. `redis_connect` builds it from `[redis]`.
use std::sync::{Arc, RwLock};
use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, ErrorKind, Pipeline, RedisError, RedisFuture, RedisResult, Value};

use crate::config::RedisConfig;

/// The process's Redis connection; clones share it (and its swaps).
#[derive(Clone)]
pub struct RedisConn {
    current: Arc<RwLock<Option<ConnectionManager>>>,
    db: i64,
}

impl From<ConnectionManager> for RedisConn {
    fn from(m: ConnectionManager) -> Self {
        RedisConn {
            db: 0,
            current: Arc::new(RwLock::new(Some(m))),
        }
    }
}

impl RedisConn {
    /// No master known yet (Sentinel has not answered): commands fail until one is.
    pub(super) fn unresolved(db: i64) -> RedisConn {
        RedisConn {
            db,
            current: Arc::new(RwLock::new(None)),
        }
    }

    /// The same handle, reporting `db` as its database.
    pub(super) fn on_db(mut self, db: i64) -> RedisConn {
        self.db = db;
        self
    }

    /// Directs every clone to `m` from the next command on.
    pub(super) fn replace(&self, m: ConnectionManager) {
        *self.current.write().expect("redis handle lock") = Some(m);
    }

    fn manager(&self) -> RedisResult<ConnectionManager> {
        let current = self.current.read().expect("redis handle lock").clone();
        current.ok_or_else(|| RedisError::from((ErrorKind::Io, "no Redis master known yet")))
    }
}

impl ConnectionLike for RedisConn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        let m = self.manager();
        Box::pin(async move { m?.req_packed_command(cmd).await })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        let m = self.manager();
        Box::pin(async move { m?.req_packed_commands(cmd, offset, count).await })
    }

    fn get_db(&self) -> i64 {
        self.db
    }
}

/// A lazy, self-reconnecting manager for `client` under `cfg`'s timeout.
pub(super) fn manager(client: redis::Client, cfg: &RedisConfig) -> RedisResult<ConnectionManager> {
    let timeout = Duration::from_millis(cfg.timeout_ms);
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(500));
    ConnectionManager::new_lazy_with_config(client, config)
}
