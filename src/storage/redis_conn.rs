//! The connection to the shared Redis (`[redis]`): one handle for the whole process over a
//! multiplexed, self-reconnecting `ConnectionManager`, created lazily so the gateway starts while
//! Redis is down and recovers by itself when it returns. `rediss://` speaks TLS (rustls),
//! trusting `redis.ca_file` when set, else the system's roots. With Sentinel the manager is
//! swapped whole when the master moves (`redis_sentinel`). Commands time out after
//! `redis.timeout_ms` and are not retried here: the store reports UNAVAILABLE and the caller
//! decides.
use std::sync::{Arc, RwLock};
use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, ErrorKind, Pipeline, RedisError, RedisFuture, RedisResult, Value};

use crate::config::{ConfigError, RedisConfig};

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

/// What `connect` yields: the handle and, with Sentinel, the task that follows the master.
pub type Connected = (
    RedisConn,
    Option<std::pin::Pin<Box<dyn Future<Output = ()> + Send>>>,
);

/// The handle for `[redis]`: a lazy manager for `redis.url`, or one that Sentinel directs (the
/// sentinels are asked once before this returns).
pub async fn connect(cfg: &RedisConfig) -> Result<Connected, ConfigError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tls = tls_roots(cfg)?;
    if cfg.uses_sentinel() {
        let (conn, follow) = super::redis_sentinel::follow(cfg, tls).await?;
        return Ok((conn, Some(Box::pin(follow))));
    }
    let url = cfg
        .url()
        .ok_or_else(|| ConfigError::new("redis.url", "required when a store is \"redis\""))?;
    let bad = |e: RedisError| ConfigError::new("redis.url", format!("{:?}", e.kind()));
    let client = match tls {
        Some(certs) => redis::Client::build_with_tls(url.expose(), certs).map_err(bad)?,
        None => redis::Client::open(url.expose()).map_err(bad)?,
    };
    let db = client.get_connection_info().redis_settings().db();
    let mut conn = RedisConn::from(manager(client, cfg).map_err(bad)?);
    conn.db = db;
    Ok((conn, None))
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

/// The CA of `redis.ca_file`, for TLS connections (`None`: the system's roots).
fn tls_roots(cfg: &RedisConfig) -> Result<Option<redis::TlsCertificates>, ConfigError> {
    let Some(path) = &cfg.ca_file else {
        return Ok(None);
    };
    let pem = std::fs::read(path).map_err(|e| {
        ConfigError::new("redis.ca_file", format!("cannot read file: {}", e.kind()))
    })?;
    Ok(Some(redis::TlsCertificates {
        client_tls: None,
        root_cert: Some(pem),
    }))
}
