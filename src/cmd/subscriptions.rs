//! `atelio-gateway subscriptions list|ensure`: the Atelio account's webhook subscriptions (id,
//! URL, status, events; never a secret), and the same ensure step `serve` runs at start for
//! `webhook.public_url` (create, or re-enable and add `kyc.*`/`kyb.*`, or reuse).
use std::process::ExitCode;

use crate::app::subscribing;
use crate::config::Config;
use crate::subscription::View;

/// What to do.
#[derive(Clone, Copy, Debug, clap::Subcommand)]
pub enum Action {
    /// Print every subscription, one per line.
    List,
    /// Make an enabled subscription for `kyc.*` and `kyb.*` point at `webhook.public_url`.
    Ensure,
}

fn line(s: &View) -> String {
    format!("{}  {}  {}  {}", s.id, s.status, s.url, s.events.join(","))
}

/// Runs `action` against the configured Atelio account.
pub async fn run(cfg: &Config, action: Action) -> ExitCode {
    if matches!(action, Action::Ensure) && cfg.webhook.public_url.is_none() {
        return super::config_error(&"webhook.public_url: required to ensure a subscription");
    }
    let manager = match subscribing::for_operators(cfg) {
        Ok(m) => m,
        Err(e) => return super::config_error(&e),
    };
    let out = match action {
        Action::List => manager
            .list()
            .await
            .map(|all| all.iter().map(line).collect::<Vec<_>>()),
        Action::Ensure => manager
            .ensure()
            .await
            .map(|(s, done)| vec![format!("{}  {}", done.name(), line(&s))]),
    };
    match out {
        Ok(lines) => {
            for l in lines {
                println!("{l}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
