//! Config → the managed webhook subscription (`webhook.public_url`): its manager's task (ensure
//! at start, then follow rotations, pushed to `tasks`) and the notifier the webhook path tells of
//! bad signatures. Without a public URL nothing is managed (gauge 0).
use std::sync::Arc;

use tokio::sync::{Notify, watch};

use super::StartError;
use super::components::Task;
use crate::config::Config;
use crate::subscription::Manager;
use crate::upstream::pipeline::Upstream;
use crate::webhook::secrets::Secrets;

/// A manager for operators (`atelio-gateway subscriptions`): the configured URL, a
/// process-local rate limit (no Redis needed), no secrets to feed.
pub fn for_operators(cfg: &Config) -> Result<Manager, StartError> {
    let creds = crate::config::validate(cfg)?;
    let mut local = cfg.clone();
    local.rate_limit.shared = false;
    let upstream = super::components::upstream(&local, &creds, None)?;
    let url = cfg.webhook.public_url.clone().unwrap_or_default();
    Ok(Manager::new(upstream, url, None))
}

/// The bad-signature notifier of the managed subscription and whether it is ensured (for
/// health), if one is configured.
pub fn managed(
    cfg: &Config,
    upstream: &Arc<Upstream>,
    secrets: &Arc<Secrets>,
    tasks: &mut Vec<Task>,
) -> Option<(Arc<Notify>, watch::Receiver<bool>)> {
    crate::metrics::get().webhook_subscription_state.set(0);
    let url = cfg.webhook.public_url.clone()?;
    let manager = Arc::new(Manager::new(upstream.clone(), url, Some(secrets.clone())));
    let notify = manager.bad_signature.clone();
    let ensured = manager.ensured.subscribe();
    tasks.push(Box::pin(manager.run()));
    Some((notify, ensured))
}
