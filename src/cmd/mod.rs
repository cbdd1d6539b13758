//! The subcommands, one file each, dispatched by [`run`]: `serve` (default; `--sandbox` wires in
//! the Atelio emulator), `sandbox` (the emulator alone), `demo` (gateway + emulator + a scripted
//! journey), `check-config`, `health-probe` and `subscriptions list|ensure`. The clap types live in `cli`. Exit codes: 0 ok,
//! 1 runtime failure, 2 invalid configuration. `main.rs` only parses and calls [`run`].
pub mod check_config;
pub mod cli;
pub mod demo;
pub mod probe;
pub mod sandbox;
pub mod serve;
pub mod subscriptions;

use std::process::ExitCode;

use crate::app::shutdown_signal;
use crate::config;
use cli::{Cli, Command};

/// Runs the parsed command line to its exit code.
pub async fn run(cli: Cli) -> ExitCode {
    if let Some(Command::HealthProbe(args)) = &cli.command {
        return probe::run(args).await;
    }
    let cfg = match config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => return config_error(&e),
    };
    match cli.command {
        None => serve::run(cfg, None, false).await,
        Some(Command::Serve {
            sandbox,
            sandbox_expose,
            emulator,
        }) => serve::run(cfg, sandbox.then_some(emulator), sandbox_expose).await,
        Some(Command::Sandbox {
            emulator,
            webhook_url,
            webhook_secret_file,
        }) => {
            let secrets = webhook_secret_file;
            sandbox::run(&cfg, &emulator, &webhook_url, secrets, shutdown_signal()).await
        }
        Some(Command::CheckConfig) => check_config::run(&cfg),
        Some(Command::Subscriptions { action }) => subscriptions::run(&cfg, action).await,
        Some(Command::HealthProbe(_)) => unreachable!("handled before the configuration is read"),
        Some(Command::Demo) => match demo::run(cfg).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("demo failed: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

/// An invalid configuration: the message on stderr, exit code 2.
pub fn config_error(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(2)
}
