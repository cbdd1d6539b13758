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

use sha2::Digest;

use crate::config::{ConfigError, WebhookConfig};

use super::verify::Verifier;

/// The verifier in force and where its secrets come from.
pub struct Secrets {
    current: RwLock<Arc<Verifier>>,
    sources: WebhookConfig,
}

impl Secrets {
    /// Loads the secrets from `sources` (inline `secrets` and `secrets_file`).
    pub fn load(sources: &WebhookConfig) -> Result<Secrets, ConfigError> {
        let verifier = Self::read(sources)?;
        Ok(Secrets {
            current: RwLock::new(Arc::new(verifier)),
            sources: sources.clone(),
        })
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

/// Polls the secrets file every `every` and reloads when its contents change; runs until
/// aborted (returns at once without a file).
pub async fn watch(secrets: Arc<Secrets>, every: Duration) {
    let Some(path) = secrets.file() else { return };
    // A digest, so the secrets are not kept twice in memory.
    let fingerprint = |p: &PathBuf| std::fs::read(p).ok().map(sha2::Sha256::digest);
    let mut seen = fingerprint(&path);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let now = fingerprint(&path);
        if now == seen {
            continue;
        }
        seen = now;
        let reloads = &crate::metrics::get().overload.webhook_secret_reloads;
        match secrets.reload() {
            Ok(n) => {
                reloads.with_label_values(&["loaded"]).inc();
                tracing::info!(secrets = n, "webhook secrets reloaded");
            }
            Err(e) => {
                reloads.with_label_values(&["invalid"]).inc();
                tracing::error!(error = %e, "webhook secrets file refused; previous secrets stay");
            }
        }
    }
}
