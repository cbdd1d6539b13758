//! `[server]` (the gRPC listener) and `[webhook]` (the webhook listener): addresses, message
//! and body sizes, and the limits that keep each listener up under hostile clients and overload
//! (connection caps, connection deadlines, in-flight bounds, HTTP/2 keepalive and age).
use std::{net::SocketAddr, path::PathBuf, time::Duration};

use serde::Deserialize;

use super::check::{http_url, https_unless_loopback, positive};
use super::{ConfigError, Secret, TlsConfig};

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
    /// Open gRPC connections; more are closed at accept. Default 10000.
    pub max_connections: usize,
    /// Unary calls in flight, all callers; more are shed. Default 1024.
    pub max_in_flight: usize,
    /// Unary calls in flight of one caller. Default 256.
    pub max_in_flight_per_caller: usize,
    /// Concurrent HTTP/2 streams per connection. Default 1000.
    pub max_concurrent_streams: u32,
    /// Open health `Watch` streams (health needs no token). Default 1000.
    pub max_health_watches: usize,
    /// HTTP/2 keepalive ping interval, ms. Default 30000.
    pub keepalive_interval_ms: u64,
    /// A ping not acknowledged within this closes the connection, ms. Default 20000.
    pub keepalive_timeout_ms: u64,
    /// A connection older than this is asked to go away (clients reconnect and rebalance), s.
    /// Default 1800.
    pub max_connection_age_s: u64,
    /// Time a going-away connection's streams get before it is closed, s. Default 300.
    pub max_connection_age_grace_s: u64,
    /// Longest TLS handshake, ms. Default 10000.
    pub tls_handshake_timeout_ms: u64,
    /// TLS (and mTLS) on the gRPC listener; plaintext when absent.
    pub tls: Option<TlsConfig>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            grpc_addr: SocketAddr::from(([0, 0, 0, 0], 50051)),
            default_deadline_ms: 30_000,
            max_message_bytes: 16 * 1024 * 1024,
            max_connections: 10_000,
            max_in_flight: 1024,
            max_in_flight_per_caller: 256,
            max_concurrent_streams: 1000,
            max_health_watches: 1000,
            keepalive_interval_ms: 30_000,
            keepalive_timeout_ms: 20_000,
            max_connection_age_s: 1800,
            max_connection_age_grace_s: 300,
            tls_handshake_timeout_ms: 10_000,
            tls: None,
        }
    }
}

impl ServerConfig {
    /// `[server]`.
    pub fn check(&self) -> Result<(), ConfigError> {
        positive("server.default_deadline_ms", self.default_deadline_ms)?;
        if self.max_message_bytes < 4096 {
            return Err(ConfigError::new(
                "server.max_message_bytes",
                "must be at least 4096",
            ));
        }
        let counts = [
            ("server.max_connections", self.max_connections as u64),
            ("server.max_in_flight", self.max_in_flight as u64),
            (
                "server.max_in_flight_per_caller",
                self.max_in_flight_per_caller as u64,
            ),
            (
                "server.max_concurrent_streams",
                self.max_concurrent_streams as u64,
            ),
            ("server.max_health_watches", self.max_health_watches as u64),
            ("server.keepalive_interval_ms", self.keepalive_interval_ms),
            ("server.keepalive_timeout_ms", self.keepalive_timeout_ms),
            ("server.max_connection_age_s", self.max_connection_age_s),
            (
                "server.tls_handshake_timeout_ms",
                self.tls_handshake_timeout_ms,
            ),
        ];
        counts.into_iter().try_for_each(|(k, v)| positive(k, v))
    }

    /// The default (and longest) deadline.
    pub fn default_deadline(&self) -> Duration {
        Duration::from_millis(self.default_deadline_ms)
    }

    /// `server.keepalive_interval_ms` and `server.keepalive_timeout_ms`.
    pub fn keepalive(&self) -> (Duration, Duration) {
        (
            Duration::from_millis(self.keepalive_interval_ms),
            Duration::from_millis(self.keepalive_timeout_ms),
        )
    }

    /// `server.max_connection_age_s` and `server.max_connection_age_grace_s`.
    pub fn connection_age(&self) -> (Duration, Duration) {
        (
            Duration::from_secs(self.max_connection_age_s),
            Duration::from_secs(self.max_connection_age_grace_s),
        )
    }

    /// `server.tls_handshake_timeout_ms`.
    pub fn tls_handshake_timeout(&self) -> Duration {
        Duration::from_millis(self.tls_handshake_timeout_ms)
    }
}

/// `[webhook]`: where Atelio's webhooks arrive and how they are verified.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookConfig {
    /// Address of the webhook HTTP listener (separate from gRPC). Default `0.0.0.0:8080`.
    pub listen_addr: SocketAddr,
    /// Accepted subscription secrets (`whsec_…`); several during rotation. Or `secrets_file`.
    pub secrets: Vec<Secret>,
    /// File with one accepted secret per line (e.g. a mounted Kubernetes Secret); re-read when
    /// it changes.
    pub secrets_file: Option<PathBuf>,
    /// Largest accepted |now − t| of a signature, seconds. Default 300.
    pub tolerance_s: u64,
    /// Largest accepted body, bytes. Default 262144.
    pub max_body_bytes: usize,
    /// Time limit of one webhook request, ms. Default 10000.
    pub request_timeout_ms: u64,
    /// Open webhook connections; more are closed at accept. Default 1024.
    pub max_connections: usize,
    /// A request header not complete this long after its first byte closes the connection, ms.
    /// Default 10000.
    pub header_read_timeout_ms: u64,
    /// A connection that sends nothing this long (new, or after an answer) is closed, ms.
    /// Default 15000.
    pub idle_timeout_ms: u64,
    /// The URL Atelio posts webhooks to (this listener's `/webhooks/atelio` as the internet
    /// sees it). Set: the gateway keeps an enabled subscription for `kyc.*` and `kyb.*` pointing
    /// at it and verifies with its secret from Atelio's answer. Default: none (manual).
    pub public_url: Option<String>,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            listen_addr: SocketAddr::from(([0, 0, 0, 0], 8080)),
            secrets: Vec::new(),
            secrets_file: None,
            tolerance_s: 300,
            max_body_bytes: 256 * 1024,
            request_timeout_ms: 10_000,
            max_connections: 1024,
            header_read_timeout_ms: 10_000,
            idle_timeout_ms: 15_000,
            public_url: None,
        }
    }
}

impl WebhookConfig {
    /// `[webhook]` (secrets are resolved by `validate`).
    pub fn check(&self) -> Result<(), ConfigError> {
        positive("webhook.max_body_bytes", self.max_body_bytes as u64)?;
        positive("webhook.request_timeout_ms", self.request_timeout_ms)?;
        positive("webhook.max_connections", self.max_connections as u64)?;
        positive(
            "webhook.header_read_timeout_ms",
            self.header_read_timeout_ms,
        )?;
        positive("webhook.idle_timeout_ms", self.idle_timeout_ms)?;
        if let Some(url) = &self.public_url {
            // Atelio posts signed PII there: https, except to a loopback host (the emulator).
            http_url("webhook.public_url", url)?;
            https_unless_loopback("webhook.public_url", url)?;
        }
        Ok(())
    }

    /// `webhook.tolerance_s`: how far a signature's `t` may be from now.
    pub fn tolerance(&self) -> Duration {
        Duration::from_secs(self.tolerance_s)
    }

    /// `webhook.request_timeout_ms`: the whole request, body included.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    /// `webhook.idle_timeout_ms` and `webhook.header_read_timeout_ms`.
    pub fn connection_timeouts(&self) -> (Duration, Duration) {
        (
            Duration::from_millis(self.idle_timeout_ms),
            Duration::from_millis(self.header_read_timeout_ms),
        )
    }
}
