//! The accepted webhook secrets, rotated without a restart: the verifier in force is swapped
//! whole when `webhook.secrets_file` changes (polled every `auth.reload_interval_ms`, like the
//! callers file). A file that cannot be read or holds no secret is refused, the old secrets stay
//! in force, and the outcome is counted (`webhook_secret_reloads_total`) and logged without
//! the file's contents.
use std::{
    path::PathBuf,
    sync::{Arc, RwLock},
    time::Duration,
};

use crate::config::{ConfigError, Secret, WebhookConfig};

use super::verify::Verifier;

/// The verifier in force and where its secrets come from.
pub struct Secrets {
    current: RwLock<Arc<Verifier>>,
    sources: WebhookConfig,
}

impl Secrets {
    /// The verifier for `initial` (the secrets `config::validate` read at start from
    /// `sources`, inline `secrets` and `secrets_file`), reloadable from `sources`.
    pub fn new(initial: &[Secret], sources: &WebhookConfig) -> Secrets {
        Secrets {
            current: RwLock::new(Arc::new(Verifier::new(initial, sources.tolerance()))),
            sources: sources.clone(),
        }
    }

    fn read(sources: &WebhookConfig) -> Result<Verifier, ConfigError> {
        let secrets = crate::config::webhook_secrets(sources)?;
        Ok(Verifier::new(&secrets, sources.tolerance()))
    }

    /// The verifier in force.
    pub fn current(&self) -> Arc<Verifier> {
        self.current.read().expect("secrets lock").clone()
    }

    /// Re-reads the sources; on success the new secrets verify the next delivery.
    pub fn reload(&self) -> Result<usize, ConfigError> {
        let verifier = Self::read(&self.sources)?;
        let n = verifier.secret_count();
        *self.current.write().expect("secrets lock") = Arc::new(verifier);
        Ok(n)
    }

    fn file(&self) -> Option<PathBuf> {
        self.sources.secrets_file.clone()
    }
}

/// Polls the secrets file every `every` and reloads when its contents change
/// (`crate::reload`); runs until aborted (returns at once without a file).
pub async fn watch(secrets: Arc<Secrets>, every: Duration) {
    let Some(path) = secrets.file() else { return };
    let outcomes = &crate::metrics::get().overload.webhook_secret_reloads;
    let reload = || secrets.reload().map_err(|e| e.to_string());
    crate::reload::watch_file(&path, every, "webhook.secrets_file", outcomes, reload).await;
}
