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

/// Checks every section (each checks itself, in `check.rs`) and resolves the Atelio
/// credentials (reading `*_file` keys).
pub fn validate(cfg: &Config) -> Result<Credentials, ConfigError> {
    cfg.server.check()?;
    cfg.upstream.check()?;
    cfg.idempotency.check()?;
    cfg.rate_limit.check()?;
    cfg.retry.check()?;
    cfg.breaker.check()?;
    cfg.events.check()?;
    cfg.webhook.check()?;
    cfg.telemetry.check()?;
    cfg.shutdown.check()?;
    if cfg.uses_redis() {
        cfg.redis.check()?;
        super::check::positive(
            "rate_limit.expected_replicas",
            u64::from(cfg.rate_limit.expected_replicas),
        )?;
    }
    cfg.log.check()?;
    cfg.mirror.check()?;
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
        webhook_secrets: webhook_secrets(&cfg.webhook)?,
    })
}

/// Accepted webhook secrets: inline and/or one per line of `secrets_file`; at least one, and a
/// secrets file that holds none (empty, or caught mid-write) is refused. Read at start and on
/// every reload of the file.
pub fn webhook_secrets(cfg: &super::WebhookConfig) -> Result<Vec<Secret>, ConfigError> {
    let mut all: Vec<Secret> = cfg
        .secrets
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect();
    if let Some(path) = &cfg.secrets_file {
        let key = "webhook.secrets_file";
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::new(key, format!("cannot read file: {}", e.kind())))?;
        let before = all.len();
        all.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(Secret::new),
        );
        if all.len() == before {
            return Err(ConfigError::new(
                key,
                "the file holds no secret (one per line)",
            ));
        }
    }
    if all.is_empty() && cfg.public_url.is_none() {
        return Err(ConfigError::new(
            "webhook.secrets",
            "at least one webhook secret is required (or webhook.secrets_file, or \
             webhook.public_url for a subscription the gateway manages)",
        ));
    }
    Ok(all)
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
    fn a_public_url_makes_secrets_optional_and_must_be_https_unless_loopback() {
        let mut c = valid();
        c.webhook.secrets.clear();
        assert_eq!(validate(&c).unwrap_err().key, "webhook.secrets");
        c.webhook.public_url = Some("https://gw.example.com/webhooks/atelio".into());
        assert!(validate(&c).is_ok(), "the secret comes from Atelio");
        c.webhook.public_url = Some("http://127.0.0.1:8080/webhooks/atelio".into());
        assert!(validate(&c).is_ok(), "loopback (the emulator)");
        for bad in [
            "http://gw.example.com/webhooks/atelio",
            "not a url",
            "ftp://gw/x",
        ] {
            c.webhook.public_url = Some(bad.into());
            assert_eq!(validate(&c).unwrap_err().key, "webhook.public_url", "{bad}");
        }
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
    fn plain_http_to_atelio_is_refused_except_to_a_loopback_host() {
        for (url, ok) in [
            ("http://api.atelio.com/api/v0.1", false),
            ("http://10.0.0.7:8090", false),
            ("http://127.0.0.1:8090", true),
            ("http://[::1]:8090", true),
            ("http://localhost:8090", true),
            ("https://api.atelio.com/api/v0.1", true),
        ] {
            let mut c = valid();
            c.upstream.base_url = url.into();
            let key = validate(&c).err().map(|e| e.key);
            assert_eq!(key.is_none(), ok, "{url}: {key:?}");
        }
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
