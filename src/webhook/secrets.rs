//! The accepted webhook secrets, rotated without a restart: the verifier in force is swapped
//! whole when `webhook.secrets_file` changes (polled every `auth.reload_interval_ms`, like the
//! callers file). A file that cannot be read or holds no secret is refused, the old secrets stay
//! in force, and the outcome is counted (`webhook_secret_reloads_total`) and logged without
//! the file's contents. Beside them, the secrets of the subscription the gateway manages itself
//! (`webhook.public_url`, `super::subscription`): the current one and the one before it, so
//! deliveries signed just before a rotation still verify; a file reload keeps them.
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
    /// From the configuration (inline and file), as last read.
    configured: RwLock<Vec<Secret>>,
    /// Of the managed subscription: the current secret first, then the previous one.
    managed: RwLock<Vec<Secret>>,
}

impl Secrets {
    /// The verifier for `initial` (the secrets `config::validate` read at start from
    /// `sources`, inline `secrets` and `secrets_file`), reloadable from `sources`.
    pub fn new(initial: &[Secret], sources: &WebhookConfig) -> Secrets {
        Secrets {
            current: RwLock::new(Arc::new(Verifier::new(initial, sources.tolerance()))),
            sources: sources.clone(),
            configured: RwLock::new(initial.to_vec()),
            managed: RwLock::default(),
        }
    }

    /// Swaps in a verifier of the configured and the managed secrets; their number.
    fn install(&self) -> usize {
        let mut all = self.configured.read().expect("secrets lock").clone();
        all.extend(self.managed.read().expect("secrets lock").iter().cloned());
        let verifier = Verifier::new(&all, self.sources.tolerance());
        let n = verifier.secret_count();
        *self.current.write().expect("secrets lock") = Arc::new(verifier);
        n
    }

    /// The managed subscription's secret (from Atelio's answer); false when it was in force
    /// already. The one it replaces still verifies until the next change.
    pub fn set_managed(&self, secret: Secret) -> bool {
        {
            let mut managed = self.managed.write().expect("secrets lock");
            if managed
                .first()
                .is_some_and(|s| s.expose() == secret.expose())
            {
                return false;
            }
            managed.insert(0, secret);
            managed.truncate(2);
        }
        self.install();
        true
    }

    /// The verifier in force.
    pub fn current(&self) -> Arc<Verifier> {
        self.current.read().expect("secrets lock").clone()
    }

    /// Re-reads the sources; on success the new secrets verify the next delivery.
    pub fn reload(&self) -> Result<usize, ConfigError> {
        let secrets = crate::config::webhook_secrets(&self.sources)?;
        *self.configured.write().expect("secrets lock") = secrets;
        Ok(self.install())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_secrets_join_the_configured_ones_and_survive_a_reload() {
        let sources = WebhookConfig {
            secrets: vec![Secret::new("whsec_configured")],
            ..WebhookConfig::default()
        };
        let s = Secrets::new(&sources.secrets, &sources);
        assert!(s.set_managed(Secret::new("whsec_m1")));
        assert!(!s.set_managed(Secret::new("whsec_m1")), "already in force");
        assert_eq!(s.current().secret_count(), 2);
        assert!(s.set_managed(Secret::new("whsec_m2")));
        assert!(s.set_managed(Secret::new("whsec_m3")));
        assert_eq!(
            s.current().secret_count(),
            3,
            "configured, current, previous"
        );
        assert_eq!(s.reload().expect("reload"), 3, "a reload keeps them");
    }
}
