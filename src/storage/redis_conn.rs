//! The connection to the shared Redis (`[redis]`): one multiplexed, self-reconnecting
//! `ConnectionManager` for the whole process, created lazily so the gateway starts while Redis
//! is down and recovers by itself when it returns. Commands time out after `redis.timeout_ms`
//! and are not retried here: the store reports UNAVAILABLE and the caller decides.
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::config::{ConfigError, RedisConfig};

/// A lazy connection manager for `cfg.url`.
pub fn connect(cfg: &RedisConfig) -> Result<ConnectionManager, ConfigError> {
    let url = cfg
        .url
        .as_ref()
        .ok_or_else(|| ConfigError::new("redis.url", "required when a store is \"redis\""))?;
    let client = redis::Client::open(url.expose())
        .map_err(|e| ConfigError::new("redis.url", format!("{:?}", e.kind())))?;
    let timeout = Duration::from_millis(cfg.timeout_ms);
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(500));
    ConnectionManager::new_lazy_with_config(client, config)
        .map_err(|e| ConfigError::new("redis.url", format!("{:?}", e.kind())))
}
