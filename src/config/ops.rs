//! The operational sections of the configuration tree: caller authentication (`[auth]`), TLS on
//! the gRPC listener (`[server.tls]`), OpenTelemetry export (`[telemetry]`) and graceful
//! shutdown (`[shutdown]`).
use std::path::PathBuf;

use serde::Deserialize;

use super::Secret;

/// Whether gRPC callers must present a bearer token.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// Every call but health and reflection needs a token naming a caller allowed the method.
    Tokens,
    /// No caller authentication: every call is from `anonymous`. Must be chosen explicitly.
    Off,
}

/// `[auth]`: who may call which method.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// `tokens` or `off`. Unset means `tokens`, except under `serve --sandbox` and `demo`.
    pub mode: Option<AuthMode>,
    /// A TOML file of `[[caller]]` entries (`name`, `token` or `token_sha256`, `methods`),
    /// re-read when it changes.
    pub tokens_file: Option<PathBuf>,
    /// Callers given inline (e.g. from `ATELIO_GATEWAY__AUTH__CALLERS`), merged with the file.
    pub callers: Vec<CallerEntry>,
    /// How often the tokens file is checked for changes, ms. Default 1000.
    pub reload_interval_ms: Option<u64>,
}

/// One permitted caller.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallerEntry {
    /// The caller's name: the idempotency scope and a span/metric label.
    pub name: String,
    /// The bearer token in clear.
    #[serde(default)]
    pub token: Option<Secret>,
    /// Or the hex SHA-256 of the token, so the file need not hold it.
    #[serde(default)]
    pub token_sha256: Option<String>,
    /// Methods allowed: `*`, `pkg.Service/*` or `pkg.Service/Method`.
    pub methods: Vec<String>,
}

/// `[server.tls]`: TLS on the gRPC listener; mTLS when `client_ca_file` is set.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain of the server.
    pub cert_file: PathBuf,
    /// PEM private key of the server.
    pub key_file: PathBuf,
    /// PEM CA bundle: when set, clients must present a certificate it signed.
    #[serde(default)]
    pub client_ca_file: Option<PathBuf>,
}

/// `[telemetry]`: OpenTelemetry trace export over OTLP/gRPC. Off when no endpoint is set.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetryConfig {
    /// The collector, e.g. `http://otel-collector:4317`.
    pub otlp_endpoint: Option<String>,
    /// Share of new traces sampled (0.0–1.0); a sampled parent is always followed.
    pub sample_ratio: f64,
    /// `service.name` of the exported resource.
    pub service_name: String,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        TelemetryConfig {
            otlp_endpoint: None,
            sample_ratio: 1.0,
            service_name: "atelio-gateway".into(),
        }
    }
}

/// `[shutdown]`: how long SIGTERM/SIGINT may take.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShutdownConfig {
    /// Seconds between the signal and a forced exit. Default 20.
    pub grace_s: u64,
    /// Milliseconds health reports NOT_SERVING before listeners stop accepting, so load
    /// balancers move away first. Default 0 (Kubernetes' preStop hook plays that part).
    pub drain_delay_ms: u64,
}

impl Default for ShutdownConfig {
    fn default() -> Self {
        ShutdownConfig {
            grace_s: 20,
            drain_delay_ms: 0,
        }
    }
}
