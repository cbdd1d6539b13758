//! One typed configuration tree: defaults → optional TOML file → `ATELIO_GATEWAY__…` environment
//! overlay (double underscore separates levels: `ATELIO_GATEWAY__UPSTREAM__BASE_URL`). Validated
//! once at start; a bad value is reported with its key and the process exits with code 2.
//! Tests build the tree from values and never touch the process environment.
mod load;
mod secret;

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use serde::Deserialize;

pub use load::{ConfigError, load, validate};
pub use secret::Secret;

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
}

/// `[server]`: the gRPC listener.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address of the gRPC listener. Port 0 picks a free port. Default `0.0.0.0:50051`.
    pub grpc_addr: SocketAddr,
    /// Deadline applied when a caller sends no `grpc-timeout`, and the longest one honoured,
    /// in milliseconds. Default 30000.
    pub default_deadline_ms: u64,
    /// Largest request or response message, in bytes (documents carry images). Default 16 MiB.
    pub max_message_bytes: usize,
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

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            grpc_addr: SocketAddr::from(([0, 0, 0, 0], 50051)),
            default_deadline_ms: 30_000,
            max_message_bytes: 16 * 1024 * 1024,
        }
    }
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

impl ServerConfig {
    /// The default (and longest) deadline.
    pub fn default_deadline(&self) -> Duration {
        Duration::from_millis(self.default_deadline_ms)
    }
}

/// Atelio credentials after files were read: both present and non-empty.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The `Identity` header value.
    pub identity: Secret,
    /// The `Authorization` header value.
    pub authorization: Secret,
}
