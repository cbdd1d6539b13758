//! Opens the shared Redis from `[redis]`: a plain or `rediss://` (TLS over rustls, trusting
//! `redis.ca_file` when set, else the system's roots) master URL, or the master Sentinel names
//! (`redis_sentinel`), as a [`RedisConn`].
use redis::RedisError;

use super::redis_conn::{RedisConn, manager};
use crate::config::{ConfigError, RedisConfig};

/// The shared Redis, opened once: the connection every Redis-backed part shares, one of its own
/// for blocking reads (they would stall the shared one), and, with Sentinel, the task that
/// points both at the master (run it beside the servers).
pub struct Connected {
    /// Shared by the stores and the rate limit.
    pub shared: RedisConn,
    /// For blocking reads (the event log's follower).
    pub blocking: RedisConn,
    /// Sentinel's follower, if the master is found through Sentinel.
    pub follow: Option<std::pin::Pin<Box<dyn Future<Output = ()> + Send>>>,
}

/// Opens `[redis]`: lazy managers for `redis.url`, or ones Sentinel directs (the sentinels are
/// asked once before this returns).
pub async fn connect(cfg: &RedisConfig) -> Result<Connected, ConfigError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tls = tls_roots(cfg)?;
    if cfg.uses_sentinel() {
        let ([shared, blocking], follow) = super::redis_sentinel::follow(cfg, tls).await?;
        let follow = Some(Box::pin(follow) as _);
        return Ok(Connected {
            shared,
            blocking,
            follow,
        });
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
    let handle = |c| {
        manager(c, cfg)
            .map(|m| RedisConn::from(m).on_db(db))
            .map_err(bad)
    };
    Ok(Connected {
        shared: handle(client.clone())?,
        blocking: handle(client)?,
        follow: None,
    })
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
