//! One typed configuration tree: defaults → optional TOML file → `ATELIO_GATEWAY__…` environment
//! overlay (double underscore separates levels: `ATELIO_GATEWAY__UPSTREAM__BASE_URL`). Validated
//! once at start; a bad value is reported with its key and the process exits with code 2.
//! Tests build the tree from values and never touch the process environment.
mod check;
mod durations;
mod listeners;
mod load;
mod mirror;
mod ops;
#[cfg(test)]
mod reference_file;
mod secret;
mod shared_redis;

use std::{net::SocketAddr, path::PathBuf};

use serde::Deserialize;

pub use listeners::{ServerConfig, WebhookConfig};
pub use load::{ConfigError, load, validate, webhook_secrets};
pub use mirror::MirrorConfig;
pub use ops::{AuthConfig, AuthMode, CallerEntry, ShutdownConfig, TelemetryConfig, TlsConfig};
pub use secret::Secret;
pub use shared_redis::RedisConfig;

/// The whole configuration.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The gRPC listener and its limits.
    pub server: ServerConfig,
    /// Atelio: where it is, how to authenticate, how long to wait.
    pub upstream: UpstreamConfig,
    /// Log level and format.
    pub log: LogConfig,
    /// Idempotency records: where and for how long.
    pub idempotency: IdempotencyConfig,
    /// The shared upstream rate limit.
    pub rate_limit: RateLimitSettings,
    /// Retries of failed upstream attempts.
    pub retry: RetrySettings,
    /// The circuit breaker in front of Atelio.
    pub breaker: BreakerSettings,
    /// The webhook listener (Atelio → gateway).
    pub webhook: WebhookConfig,
    /// The durable event log and the subscriber streams.
    pub events: EventsConfig,
    /// The admin listener: metrics and probes.
    pub admin: AdminConfig,
    /// Caller authentication on the gRPC listener.
    pub auth: AuthConfig,
    /// OpenTelemetry trace export.
    pub telemetry: TelemetryConfig,
    /// Graceful shutdown.
    pub shutdown: ShutdownConfig,
    /// The shared Redis, when a store is `redis`.
    pub redis: RedisConfig,
    /// The SQLite file(s) of the `sqlite` stores.
    pub sqlite: SqliteConfig,
    /// The verification-state mirror and reconciliation.
    pub mirror: MirrorConfig,
}

/// `[sqlite]`: how durable a commit is before the gateway acts on it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SqliteConfig {
    /// `normal` (default): an acknowledged webhook or a recorded call survives a crash of the
    /// gateway process; `full`: also a crash of the host (fsync before the webhook's 200 and
    /// before the upstream call), at the cost measured in docs/benchmarks.md ("Durability setting").
    pub synchronous: crate::storage::Synchronous,
}

/// `[admin]`: `/metrics` (Prometheus text), `/livez`, `/readyz`, on a listener of their own.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminConfig {
    /// Address of the admin HTTP listener. Default `0.0.0.0:9090`.
    pub listen_addr: SocketAddr,
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            listen_addr: SocketAddr::from(([0, 0, 0, 0], 9090)),
        }
    }
}

/// `[events]`: the durable event log and the streams.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventsConfig {
    /// `sqlite` (default), `redis` (several replicas) or `memory`.
    pub store: StoreBackend,
    /// SQLite file; default: the idempotency file.
    pub sqlite_path: Option<PathBuf>,
    /// Events older than this are removed, hours. Default 168 (7 days).
    pub retention_hours: u64,
    /// At most this many events are kept. Default 1000000.
    pub max_events: u64,
    /// Re-deliveries within this window are recognised, hours; at least 168. Default 168.
    pub dedupe_window_hours: u64,
    /// Heartbeat interval of idle streams, ms. Default 15000.
    pub heartbeat_ms: u64,
    /// Recent events kept in memory for live subscribers. Default 16384.
    pub tail_capacity: usize,
    /// How often retention runs, seconds. Default 60.
    pub retention_interval_s: u64,
    /// Open event streams, all callers. Default 20000.
    pub max_subscriptions: usize,
    /// Open event streams of one caller. Default 2000.
    pub max_subscriptions_per_caller: usize,
    /// A stream whose subscriber takes nothing for this long is cut (its connection closed), ms.
    /// Default 30000.
    pub stall_timeout_ms: u64,
}

/// Which store keeps idempotency records.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StoreBackend {
    /// One SQLite file (WAL); survives restarts. The default.
    #[default]
    Sqlite,
    /// A shared Redis (`[redis]`): several replicas see the same records.
    Redis,
    /// In process memory, bounded; lost on restart (tests, demos).
    Memory,
}

/// `[idempotency]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdempotencyConfig {
    /// `sqlite` (default), `redis` (several replicas) or `memory`.
    pub store: StoreBackend,
    /// SQLite file. Default `data/atelio-gateway.sqlite3`.
    pub sqlite_path: PathBuf,
    /// How long an outcome is kept and replayed, in hours; at least 24 (Atelio's key lifetime).
    pub ttl_hours: u64,
    /// Largest number of records the memory store keeps.
    pub memory_max_records: usize,
    /// How often expired records are purged, in seconds.
    pub purge_interval_s: u64,
    /// Most list pages read to find what an earlier attempt created after its answer was lost
    /// (each page is one upstream call, inside the rate limit). Default 20.
    pub recovery_max_pages: u32,
}

/// `[rate_limit]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Upstream calls per minute for the Atelio credentials (Atelio allows 1000). Default 800.
    pub per_minute: u32,
    /// Calls allowed at once above the steady rate. Default 50.
    pub burst: u32,
    /// Longest a call waits for a permit, in milliseconds. Default 10000.
    pub max_wait_ms: u64,
    /// Optional per-caller quota, calls per minute.
    pub per_caller_per_minute: Option<u32>,
    /// Burst of the per-caller quota. Default 20.
    pub per_caller_burst: u32,
    /// `true`: one budget for every replica, kept in Redis (`[redis]`). Default false.
    pub shared: bool,
    /// Replicas expected to share the budget; while Redis is unreachable each replica falls back
    /// to `per_minute / expected_replicas` locally. Default 2.
    pub expected_replicas: u32,
    /// Reads (GETs) may use at most this share of the budget, so mutating calls always find
    /// permits however hard reads are polled. Default 0.8; 1 turns the class limit off.
    pub read_share: f64,
}

/// `[retry]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetrySettings {
    /// Attempts per call, the first included. Default 4.
    pub max_attempts: u32,
    /// Base of the exponential backoff, ms. Default 100.
    pub base_delay_ms: u64,
    /// Cap of one backoff, ms. Default 5000.
    pub max_delay_ms: u64,
    /// Longest `Retry-After` honoured, ms. Default 30000.
    pub max_retry_after_ms: u64,
    /// Retries allowed as a share of recent requests. Default 0.2.
    pub budget_ratio: f64,
    /// Retries per second always allowed. Default 10.
    pub budget_min_per_sec: u32,
}

/// `[breaker]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BreakerSettings {
    /// Consecutive failures (5xx, timeouts, connection errors) that open the breaker. Default 5.
    pub failure_threshold: u32,
    /// How long it stays open before one probe, ms. Default 10000.
    pub open_ms: u64,
}

impl Default for EventsConfig {
    fn default() -> Self {
        EventsConfig {
            store: StoreBackend::Sqlite,
            sqlite_path: None,
            retention_hours: 168,
            max_events: 1_000_000,
            dedupe_window_hours: 168,
            heartbeat_ms: 15_000,
            tail_capacity: 16_384,
            retention_interval_s: 60,
            max_subscriptions: 20_000,
            max_subscriptions_per_caller: 2_000,
            stall_timeout_ms: 30_000,
        }
    }
}

impl Default for IdempotencyConfig {
    fn default() -> Self {
        IdempotencyConfig {
            store: StoreBackend::Sqlite,
            sqlite_path: PathBuf::from("data/atelio-gateway.sqlite3"),
            ttl_hours: 24,
            memory_max_records: 100_000,
            purge_interval_s: 300,
            recovery_max_pages: 20,
        }
    }
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        RateLimitSettings {
            per_minute: 800,
            burst: 50,
            max_wait_ms: 10_000,
            per_caller_per_minute: None,
            per_caller_burst: 20,
            shared: false,
            expected_replicas: 2,
            read_share: 0.8,
        }
    }
}

impl Default for RetrySettings {
    fn default() -> Self {
        RetrySettings {
            max_attempts: 4,
            base_delay_ms: 100,
            max_delay_ms: 5_000,
            max_retry_after_ms: 30_000,
            budget_ratio: 0.2,
            budget_min_per_sec: 10,
        }
    }
}

impl Default for BreakerSettings {
    fn default() -> Self {
        BreakerSettings {
            failure_threshold: 5,
            open_ms: 10_000,
        }
    }
}

/// `[upstream]`: the Atelio API.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpstreamConfig {
    /// Base URL including the version prefix. Default `https://sandbox.atelio.com/api/v0.1`.
    pub base_url: String,
    /// API key identity (the `Identity` header). Or set `identity_file`.
    pub identity: Option<Secret>,
    /// File holding the identity (e.g. a mounted Kubernetes Secret).
    pub identity_file: Option<PathBuf>,
    /// API key secret (the `Authorization` header). Or set `authorization_file`.
    pub authorization: Option<Secret>,
    /// File holding the API key secret.
    pub authorization_file: Option<PathBuf>,
    /// TCP/TLS connect timeout in milliseconds. Default 2000.
    pub connect_timeout_ms: u64,
    /// Longest single HTTP attempt in milliseconds (the call's deadline may cut it shorter).
    /// Default 10000.
    pub attempt_timeout_ms: u64,
    /// Largest response body read from Atelio, bytes; a larger one is not read. Default 8 MiB.
    pub max_response_bytes: usize,
    /// Program id used when a KYC/KYB request leaves `program_id` empty. Default none.
    pub default_program_id: Option<String>,
}

/// `[log]`: what is logged and how.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A `tracing` filter such as `info` or `atelio_gateway=debug,info`. Default `info`.
    pub level: String,
    /// `json` (one object per line) or `pretty` (for humans). Default `json`.
    pub format: LogFormat,
}

/// Log output format.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line.
    #[default]
    Json,
    /// Human-readable lines.
    Pretty,
}

impl Default for UpstreamConfig {
    fn default() -> Self {
        UpstreamConfig {
            base_url: "https://sandbox.atelio.com/api/v0.1".into(),
            identity: None,
            identity_file: None,
            authorization: None,
            authorization_file: None,
            connect_timeout_ms: 2_000,
            attempt_timeout_ms: 10_000,
            max_response_bytes: 8 * 1024 * 1024,
            default_program_id: None,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".into(),
            format: LogFormat::Json,
        }
    }
}

impl Config {
    /// Whether any shared concern lives in Redis (a store, or the shared rate limit).
    pub fn uses_redis(&self) -> bool {
        self.idempotency.store == StoreBackend::Redis
            || self.events.store == StoreBackend::Redis
            || (self.mirror.enabled && self.mirror_store() == StoreBackend::Redis)
            || self.rate_limit.shared
    }

    /// Where the mirror lives: `mirror.store`, else the event log's store.
    pub fn mirror_store(&self) -> StoreBackend {
        self.mirror.store.unwrap_or(self.events.store)
    }

    /// The mirror's SQLite file: `mirror.sqlite_path`, else the event log's file.
    pub fn mirror_sqlite_path(&self) -> PathBuf {
        let events = self.events.sqlite_path.as_ref();
        let path = self.mirror.sqlite_path.as_ref().or(events);
        path.unwrap_or(&self.idempotency.sqlite_path).clone()
    }
}

/// Secrets after files were read: Atelio credentials and the accepted webhook secrets.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The `Identity` header value.
    pub identity: Secret,
    /// The `Authorization` header value.
    pub authorization: Secret,
    /// Accepted webhook subscription secrets (at least one).
    pub webhook_secrets: Vec<Secret>,
}
