//! Redis Sentinel discovery (`redis.sentinels`, `redis.sentinel_master`): the master is asked of
//! the sentinels every second; when it moves (a failover), the shared handle is pointed at the
//! new master. The scheme, user, password and db of `redis.url` apply to the master; a
//! sentinel's own password comes from its URL; `redis.ca_file` is trusted on both sides.
use std::time::Duration;

use redis::sentinel::{SentinelClient, SentinelClientBuilder, SentinelServerType};
use redis::{ConnectionAddr, IntoConnectionInfo, TlsCertificates, TlsMode};

use super::redis_conn::{RedisConn, manager};
use crate::config::{ConfigError, RedisConfig};

/// How often the sentinels are asked for the master.
const EVERY: Duration = Duration::from_secs(1);

fn bad(key: &'static str) -> impl Fn(redis::RedisError) -> ConfigError {
    move |e| ConfigError::new(key, format!("{:?}", e.kind()))
}

/// The sentinel client for `cfg`, and the db the master is used with.
fn client(
    cfg: &RedisConfig,
    tls: Option<TlsCertificates>,
) -> Result<(SentinelClient, i64), ConfigError> {
    let mut addrs = Vec::new();
    let mut sentinel_password = None;
    for s in &cfg.sentinels {
        let info = s
            .expose()
            .into_connection_info()
            .map_err(bad("redis.sentinels"))?;
        sentinel_password =
            sentinel_password.or(info.redis_settings().password().map(str::to_string));
        addrs.push(info.addr().clone());
    }
    let sentinel_tls = addrs
        .iter()
        .any(|a| matches!(a, ConnectionAddr::TcpTls { .. }));
    let name = cfg.sentinel_master.clone().unwrap_or_default();
    let mut b = SentinelClientBuilder::new(addrs, name, SentinelServerType::Master)
        .map_err(bad("redis.sentinels"))?;
    if let Some(p) = sentinel_password {
        b = b.set_client_to_sentinel_password(p);
    }
    if sentinel_tls {
        b = b.set_client_to_sentinel_tls_mode(TlsMode::Secure);
        if let Some(certs) = tls.clone() {
            b = b.set_client_to_sentinel_certificates(certs);
        }
    }
    let mut db = 0;
    if let Some(url) = cfg.url() {
        let info = url
            .expose()
            .into_connection_info()
            .map_err(bad("redis.url"))?;
        let node = info.redis_settings();
        db = node.db();
        b = b.set_client_to_redis_db(db);
        if let Some(user) = node.username() {
            b = b.set_client_to_redis_username(user);
        }
        if let Some(p) = node.password() {
            b = b.set_client_to_redis_password(p);
        }
        if matches!(info.addr(), ConnectionAddr::TcpTls { .. }) {
            b = b.set_client_to_redis_tls_mode(TlsMode::Secure);
            if let Some(certs) = tls {
                b = b.set_client_to_redis_certificates(certs);
            }
        }
    }
    Ok((b.build().map_err(bad("redis.sentinels"))?, db))
}

/// The sentinels asked, and the master they named last.
struct Follower {
    sentinels: SentinelClient,
    /// Every handle on the master (each with a connection of its own).
    handles: Vec<RedisConn>,
    cfg: RedisConfig,
    master: Option<String>,
    failing: bool,
}

impl Follower {
    /// Asks the sentinels once; points every handle at the master when it moved.
    async fn ask(&mut self) {
        let limit = Duration::from_millis(self.cfg.timeout_ms);
        let found = match tokio::time::timeout(limit, self.sentinels.async_get_client()).await {
            Ok(Ok(client)) => client,
            Ok(Err(e)) => return warn_once(&mut self.failing, &format!("{:?}", e.kind())),
            Err(_) => return warn_once(&mut self.failing, "timed out"),
        };
        self.failing = false;
        let addr = found.get_connection_info().addr().to_string();
        if self.master.as_deref() == Some(addr.as_str()) {
            return;
        }
        let managers: Result<Vec<_>, _> = (self.handles.iter())
            .map(|_| manager(found.clone(), &self.cfg))
            .collect();
        match managers {
            Ok(managers) => {
                for (handle, m) in self.handles.iter().zip(managers) {
                    handle.replace(m);
                }
                tracing::info!(master = %addr, "redis master found through sentinel");
                self.master = Some(addr);
            }
            Err(e) => tracing::warn!(error = ?e.kind(), "cannot connect to the redis master"),
        }
    }
}

/// Two handles (each with a connection of its own) on the master the sentinels name now (none
/// yet if they do not answer), and the one task that follows failovers for both (runs until
/// aborted).
pub async fn follow(
    cfg: &RedisConfig,
    tls: Option<TlsCertificates>,
) -> Result<([RedisConn; 2], impl Future<Output = ()> + Send + 'static), ConfigError> {
    let (sentinels, db) = client(cfg, tls)?;
    let handles = [RedisConn::unresolved(db), RedisConn::unresolved(db)];
    let mut follower = Follower {
        sentinels,
        handles: handles.to_vec(),
        cfg: cfg.clone(),
        master: None,
        failing: false,
    };
    follower.ask().await;
    let task = async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            follower.ask().await;
        }
    };
    Ok((handles, task))
}

fn warn_once(failing: &mut bool, why: &str) {
    if !*failing {
        tracing::warn!(
            why,
            "sentinels do not name a redis master; keeping the last one"
        );
    }
    *failing = true;
}
