//! `atelio-gateway serve` (the default command): telemetry, the app (with the emulator wired in
//! under `--sandbox`, on a free loopback port unless `--sandbox-addr` says otherwise, and the
//! gateway's own listeners kept on loopback unless `--sandbox-expose`), run until
//! SIGINT/SIGTERM, then flush telemetry.
use std::process::ExitCode;

use super::cli::SandboxArgs;
use crate::app::{App, StartError, sandboxed, shutdown_signal};
use crate::{config, telemetry};

async fn build(
    mut cfg: config::Config,
    sandbox: Option<SandboxArgs>,
    expose: bool,
) -> Result<App, StartError> {
    match sandbox {
        None => App::build(cfg).await,
        Some(args) => {
            if !expose {
                sandboxed::keep_on_loopback(&mut cfg);
            }
            let addr = args.addr.unwrap_or_else(|| ([127, 0, 0, 1], 0).into());
            Ok(sandboxed::build(cfg, args.config(), addr).await?.app)
        }
    }
}

/// Serves until the shutdown signal (`expose`: `--sandbox-expose`).
pub async fn run(cfg: config::Config, sandbox: Option<SandboxArgs>, expose: bool) -> ExitCode {
    let telemetry = telemetry::init(&cfg.log, &cfg.telemetry);
    let app = match build(cfg, sandbox, expose).await {
        Ok(app) => app,
        Err(StartError::Config(e)) => return super::config_error(&e),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = match app.run_until_stopped(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "gateway stopped with an error");
            ExitCode::FAILURE
        }
    };
    telemetry.shutdown().await;
    tracing::info!("stopped");
    code
}
