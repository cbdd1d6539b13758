//! Command line: `serve` (default; `--sandbox` wires in the Atelio emulator), `sandbox` (the
//! emulator alone) and `check-config`. Exit codes: 0 ok, 1 runtime failure, 2 invalid
//! configuration.
use std::{net::SocketAddr, path::PathBuf};

use clap::{Parser, Subcommand};

/// atelio-gateway: a gRPC gateway in front of the Atelio REST API.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// TOML configuration file; `ATELIO_GATEWAY__…` environment variables override it.
    #[arg(long, short, global = true, env = "ATELIO_GATEWAY_CONFIG")]
    pub config: Option<PathBuf>,
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway.
    Serve {
        /// Run the Atelio sandbox emulator in this process and use it as the upstream (no
        /// Atelio account or network needed).
        #[arg(long)]
        sandbox: bool,
        #[command(flatten)]
        emulator: SandboxArgs,
    },
    /// Run the Atelio sandbox emulator alone.
    Sandbox {
        #[command(flatten)]
        emulator: SandboxArgs,
        /// Create a subscription for `kyc.*` and `kyb.*` posting to this URL (repeatable).
        #[arg(long)]
        webhook_url: Vec<String>,
        /// Where to write the created subscriptions' secrets, one per line (mode 0600).
        #[arg(long, requires = "webhook_url")]
        webhook_secret_file: Option<PathBuf>,
    },
    /// Run the gateway and its Atelio emulator on loopback and walk a scripted KYC/KYB journey
    /// over gRPC, printing a timeline of calls and relayed events.
    Demo,
    /// Load and validate the configuration, print a summary (no secrets) and exit.
    CheckConfig,
}

/// How the emulator runs.
#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// Emulator listen address (with `serve --sandbox`, default: a free loopback port).
    #[arg(long = "sandbox-addr", env = "ATELIO_SANDBOX_ADDR")]
    pub addr: Option<SocketAddr>,
    /// The API key identity the emulator accepts.
    #[arg(
        long = "sandbox-identity",
        env = "ATELIO_SANDBOX_IDENTITY",
        default_value = "sandbox-identity"
    )]
    pub identity: String,
    /// The API key secret the emulator accepts.
    #[arg(
        long = "sandbox-authorization",
        env = "ATELIO_SANDBOX_AUTHORIZATION",
        default_value = "sandbox-secret",
        hide_default_value = true
    )]
    pub authorization: String,
    /// Calls per minute before 429 (Atelio: 1000); 0 turns the limit off.
    #[arg(long = "sandbox-rate-limit", default_value_t = 1000)]
    pub rate_limit_per_min: u32,
    /// Delay before a KYC outcome event, ms.
    #[arg(long = "sandbox-outcome-delay-ms", default_value_t = 500)]
    pub outcome_delay_ms: u64,
    /// First webhook retry delay, ms (doubles per attempt; 8 attempts).
    #[arg(long = "sandbox-webhook-retry-ms", default_value_t = 250)]
    pub webhook_retry_ms: u64,
}

impl SandboxArgs {
    /// The emulator's configuration.
    pub fn config(&self) -> crate::sandbox::SandboxConfig {
        crate::sandbox::SandboxConfig {
            identity: self.identity.clone(),
            authorization: self.authorization.clone(),
            rate_limit_per_min: self.rate_limit_per_min,
            outcome_delay: std::time::Duration::from_millis(self.outcome_delay_ms),
            webhook_retry_base: std::time::Duration::from_millis(self.webhook_retry_ms),
            ..Default::default()
        }
    }
}
