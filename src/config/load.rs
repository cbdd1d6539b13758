//! Loading (defaults → file → env) and validation of the configuration tree. Every error names
//! the key it is about; secrets are never echoed.
use std::path::Path;

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};

use super::{Config, Credentials, Secret};

/// A configuration problem, naming the offending key.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration `{key}`: {message}")]
pub struct ConfigError {
    /// Dotted key, e.g. `upstream.base_url`.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl ConfigError {
    /// An error for `key`.
    pub fn new(key: &str, message: impl Into<String>) -> Self {
        ConfigError {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// Loads the tree from an optional TOML file and the `ATELIO_GATEWAY__` environment.
pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
    let mut fig = Figment::from(Serialized::defaults(serde_json::json!({})));
    if let Some(path) = file {
        if !path.exists() {
            return Err(ConfigError::new("--config", "file does not exist"));
        }
        fig = fig.merge(Toml::file(path));
    }
    fig = fig.merge(Env::prefixed("ATELIO_GATEWAY__").split("__"));
    fig.extract::<Config>().map_err(|e| {
        let key = e.path.join(".");
        let key = if key.is_empty() { "<root>".into() } else { key };
        ConfigError::new(&key, e.kind.to_string())
    })
}

/// Checks every value and resolves the Atelio credentials (reading `*_file` keys).
pub fn validate(cfg: &Config) -> Result<Credentials, ConfigError> {
    check_url(&cfg.upstream.base_url)?;
    positive("server.default_deadline_ms", cfg.server.default_deadline_ms)?;
    positive(
        "upstream.connect_timeout_ms",
        cfg.upstream.connect_timeout_ms,
    )?;
    positive(
        "upstream.attempt_timeout_ms",
        cfg.upstream.attempt_timeout_ms,
    )?;
    if cfg.server.max_message_bytes < 4096 {
        return Err(ConfigError::new(
            "server.max_message_bytes",
            "must be at least 4096",
        ));
    }
    if let Some(p) = &cfg.upstream.default_program_id {
        uuid::Uuid::parse_str(p)
            .map_err(|_| ConfigError::new("upstream.default_program_id", "must be a UUID"))?;
    }
    check_resilience(cfg)?;
    check_events(cfg)?;
    check_ops(cfg)?;
    tracing_subscriber::EnvFilter::try_new(&cfg.log.level)
        .map_err(|e| ConfigError::new("log.level", e.to_string()))?;
    Ok(Credentials {
        identity: secret(
            "upstream.identity",
            &cfg.upstream.identity,
            cfg.upstream.identity_file.as_deref(),
        )?,
        authorization: secret(
            "upstream.authorization",
            &cfg.upstream.authorization,
            cfg.upstream.authorization_file.as_deref(),
        )?,
        webhook_secrets: webhook_secrets(cfg)?,
    })
}

fn check_events(cfg: &Config) -> Result<(), ConfigError> {
    let e = &cfg.events;
    if e.dedupe_window_hours < 168 {
        return Err(ConfigError::new(
            "events.dedupe_window_hours",
            "must be at least 168 (Atelio retries for about 3 days)",
        ));
    }
    positive("events.retention_hours", e.retention_hours)?;
    positive("events.max_events", e.max_events)?;
    positive("events.heartbeat_ms", e.heartbeat_ms)?;
    positive("events.tail_capacity", e.tail_capacity as u64)?;
    positive("events.retention_interval_s", e.retention_interval_s)?;
    positive("webhook.max_body_bytes", cfg.webhook.max_body_bytes as u64)?;
    positive("webhook.request_timeout_ms", cfg.webhook.request_timeout_ms)
}

/// Accepted webhook secrets: inline and/or one per line of `secrets_file`; at least one.
fn webhook_secrets(cfg: &Config) -> Result<Vec<Secret>, ConfigError> {
    let mut all: Vec<Secret> = cfg
        .webhook
        .secrets
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect();
    if let Some(path) = &cfg.webhook.secrets_file {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError::new(
                "webhook.secrets_file",
                format!("cannot read file: {}", e.kind()),
            )
        })?;
        all.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(Secret::new),
        );
    }
    if all.is_empty() {
        return Err(ConfigError::new(
            "webhook.secrets",
            "at least one webhook secret is required (or webhook.secrets_file)",
        ));
    }
    Ok(all)
}

fn check_ops(cfg: &Config) -> Result<(), ConfigError> {
    let t = &cfg.telemetry;
    if !(0.0..=1.0).contains(&t.sample_ratio) {
        return Err(ConfigError::new(
            "telemetry.sample_ratio",
            "must be between 0.0 and 1.0",
        ));
    }
    if let Some(ep) = &t.otlp_endpoint {
        check_url(ep)
            .map_err(|_| ConfigError::new("telemetry.otlp_endpoint", "must be an http(s) URL"))?;
    }
    if t.service_name.trim().is_empty() {
        return Err(ConfigError::new(
            "telemetry.service_name",
            "must not be empty",
        ));
    }
    positive("shutdown.grace_s", cfg.shutdown.grace_s)?;
    check_redis(cfg)
}

fn check_redis(cfg: &Config) -> Result<(), ConfigError> {
    if !cfg.uses_redis() {
        return Ok(());
    }
    positive(
        "rate_limit.expected_replicas",
        u64::from(cfg.rate_limit.expected_replicas),
    )?;
    positive("redis.timeout_ms", cfg.redis.timeout_ms)?;
    let url = cfg
        .redis
        .url
        .as_ref()
        .filter(|u| !u.is_empty())
        .ok_or_else(|| {
            ConfigError::new(
                "redis.url",
                "required when a store is \"redis\" or rate_limit.shared",
            )
        })?;
    match url::Url::parse(url.expose()) {
        Ok(u) if u.scheme() == "redis" => Ok(()),
        Ok(u) if u.scheme() == "rediss" => Err(ConfigError::new(
            "redis.url",
            "TLS to Redis (rediss://) is not supported by this build",
        )),
        _ => Err(ConfigError::new("redis.url", "must be a redis:// URL")),
    }
}

fn check_resilience(cfg: &Config) -> Result<(), ConfigError> {
    if cfg.idempotency.ttl_hours < 24 {
        return Err(ConfigError::new(
            "idempotency.ttl_hours",
            "must be at least 24 (Atelio keeps keys 24 h)",
        ));
    }
    positive(
        "idempotency.memory_max_records",
        cfg.idempotency.memory_max_records as u64,
    )?;
    positive(
        "idempotency.purge_interval_s",
        cfg.idempotency.purge_interval_s,
    )?;
    positive(
        "idempotency.recovery_max_pages",
        u64::from(cfg.idempotency.recovery_max_pages),
    )?;
    positive(
        "rate_limit.per_minute",
        u64::from(cfg.rate_limit.per_minute),
    )?;
    positive("rate_limit.burst", u64::from(cfg.rate_limit.burst))?;
    if let Some(n) = cfg.rate_limit.per_caller_per_minute {
        positive("rate_limit.per_caller_per_minute", u64::from(n))?;
    }
    positive("retry.max_attempts", u64::from(cfg.retry.max_attempts))?;
    positive("retry.base_delay_ms", cfg.retry.base_delay_ms)?;
    if cfg.retry.max_delay_ms < cfg.retry.base_delay_ms {
        return Err(ConfigError::new(
            "retry.max_delay_ms",
            "must be at least retry.base_delay_ms",
        ));
    }
    if !(0.0..=1.0).contains(&cfg.retry.budget_ratio) {
        return Err(ConfigError::new(
            "retry.budget_ratio",
            "must be between 0 and 1",
        ));
    }
    positive(
        "breaker.failure_threshold",
        u64::from(cfg.breaker.failure_threshold),
    )?;
    positive("breaker.open_ms", cfg.breaker.open_ms)
}

fn positive(key: &str, v: u64) -> Result<(), ConfigError> {
    if v == 0 {
        return Err(ConfigError::new(key, "must be greater than 0"));
    }
    Ok(())
}

fn check_url(raw: &str) -> Result<(), ConfigError> {
    let key = "upstream.base_url";
    let url = url::Url::parse(raw).map_err(|e| ConfigError::new(key, e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::new(key, "must be an http or https URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::new(key, "must not have a query or fragment"));
    }
    Ok(())
}

fn secret(key: &str, value: &Option<Secret>, file: Option<&Path>) -> Result<Secret, ConfigError> {
    let from_file = match file {
        Some(path) => {
            let file_key = format!("{key}_file");
            let text = std::fs::read_to_string(path).map_err(|e| {
                ConfigError::new(&file_key, format!("cannot read file: {}", e.kind()))
            })?;
            Some(Secret::new(text.trim_end_matches(['\n', '\r'])))
        }
        None => None,
    };
    let chosen = match (value.clone(), from_file) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::new(
                key,
                "set either the value or the _file key, not both",
            ));
        }
        (Some(v), None) | (None, Some(v)) => Some(v),
        (None, None) => None,
    };
    chosen
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ConfigError::new(key, "is required (set it or its _file key)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> Config {
        let mut c = Config::default();
        c.upstream.identity = Some(Secret::new("id-123"));
        c.upstream.authorization = Some(Secret::new("secret-456"));
        c.webhook.secrets = vec![Secret::new("whsec_test")];
        c
    }

    #[test]
    fn defaults_with_credentials_are_valid() {
        let creds = validate(&valid()).expect("valid");
        assert_eq!(creds.identity.expose(), "id-123");
    }

    #[test]
    fn an_idempotency_ttl_below_24_hours_is_refused() {
        let mut c = valid();
        c.idempotency.ttl_hours = 1;
        assert_eq!(validate(&c).unwrap_err().key, "idempotency.ttl_hours");
    }

    #[test]
    fn missing_credentials_name_the_key() {
        let err = validate(&Config::default()).unwrap_err();
        assert_eq!(err.key, "upstream.identity");
    }

    #[test]
    fn a_bad_base_url_names_the_key() {
        let mut c = valid();
        c.upstream.base_url = "ftp://x".into();
        assert_eq!(validate(&c).unwrap_err().key, "upstream.base_url");
    }

    #[test]
    fn credentials_are_read_from_files_without_the_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auth");
        std::fs::write(&path, "from-file\n").unwrap();
        let mut c = valid();
        c.upstream.authorization = None;
        c.upstream.authorization_file = Some(path);
        assert_eq!(validate(&c).unwrap().authorization.expose(), "from-file");
    }

    #[test]
    fn a_toml_file_with_an_unknown_key_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[server]\ngrpc_adr = \"x\"\n").unwrap();
        let err = load(Some(&path)).unwrap_err();
        assert!(err.to_string().contains("grpc_adr"), "{err}");
    }

    #[test]
    fn debug_output_of_the_config_hides_credentials() {
        let shown = format!("{:?}", valid());
        assert!(!shown.contains("secret-456") && !shown.contains("id-123"));
    }
}
