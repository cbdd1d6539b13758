//! `[redis]`: the shared store of several replicas, on a plain Redis (`redis://`), over TLS
//! (`rediss://`, optionally trusting a private CA from `ca_file`), or found through Redis
//! Sentinel (`sentinels` + `sentinel_master`), as managed Redis services offer them.
use std::path::PathBuf;

use serde::Deserialize;

use super::{ConfigError, Secret, check::positive};

/// `[redis]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisConfig {
    /// `redis://` or `rediss://` (TLS) `[user:password@]host:port/db`; may hold a password, so
    /// it is a secret (e.g. `ATELIO_GATEWAY__REDIS__URL` from a Kubernetes Secret). With
    /// `sentinels` its host is ignored: its scheme, user, password and db apply to the master.
    pub url: Option<Secret>,
    /// PEM file of the CA that signed the Redis (and Sentinel) TLS certificates; unset: the
    /// system's roots.
    pub ca_file: Option<PathBuf>,
    /// Sentinel URLs (`redis://host:26379`, `rediss://…`; may hold a password); non-empty turns
    /// on Sentinel discovery of the master named `sentinel_master`.
    pub sentinels: Vec<Secret>,
    /// The Sentinel service (master group) name, e.g. `mymaster`.
    pub sentinel_master: Option<String>,
    /// Prefix (and Redis Cluster hash tag) of every key. Default `atelio-gateway`.
    pub key_prefix: String,
    /// Connect and command timeout, ms. Default 2000.
    pub timeout_ms: u64,
}

impl Default for RedisConfig {
    fn default() -> Self {
        RedisConfig {
            url: None,
            ca_file: None,
            sentinels: Vec::new(),
            sentinel_master: None,
            key_prefix: "atelio-gateway".into(),
            timeout_ms: 2000,
        }
    }
}

fn redis_url(key: &str, value: &Secret) -> Result<(), ConfigError> {
    match url::Url::parse(value.expose()) {
        Ok(u) if u.scheme() == "redis" || u.scheme() == "rediss" => Ok(()),
        _ => Err(ConfigError::new(key, "must be a redis:// or rediss:// URL")),
    }
}

impl RedisConfig {
    /// The master's URL, when one is configured.
    pub fn url(&self) -> Option<&Secret> {
        self.url.as_ref().filter(|u| !u.is_empty())
    }

    /// Whether the master is found through Sentinel.
    pub fn uses_sentinel(&self) -> bool {
        !self.sentinels.is_empty()
    }

    /// `[redis]`, when a store or the shared rate limit uses Redis.
    pub fn check(&self) -> Result<(), ConfigError> {
        positive("redis.timeout_ms", self.timeout_ms)?;
        if let Some(url) = self.url() {
            redis_url("redis.url", url)?;
        }
        if !self.uses_sentinel() {
            return self.url().map(|_| ()).ok_or_else(|| {
                ConfigError::new(
                    "redis.url",
                    "required when a store is \"redis\" or rate_limit.shared (or redis.sentinels)",
                )
            });
        }
        for s in &self.sentinels {
            redis_url("redis.sentinels", s)?;
        }
        match self.sentinel_master.as_deref() {
            Some(name) if !name.trim().is_empty() => Ok(()),
            _ => Err(ConfigError::new(
                "redis.sentinel_master",
                "required with redis.sentinels (the master group's name)",
            )),
        }
    }
}
