//! Command line: `serve` (default) and `check-config`. Exit codes: 0 ok, 1 runtime failure,
//! 2 invalid configuration.
use std::path::PathBuf;

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
    Serve,
    /// Load and validate the configuration, print a summary (no secrets) and exit.
    CheckConfig,
}
