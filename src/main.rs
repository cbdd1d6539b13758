//! Thin entry point: parse the CLI, load and validate config, start telemetry, build the app,
//! run until SIGINT/SIGTERM.
use std::process::ExitCode;

mod sandbox_cmd;

use atelio_gateway::{
    app::{App, StartError, sandboxed},
    cli::{Cli, Command, SandboxArgs},
    config, telemetry,
};
use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::HealthProbe(args)) = &cli.command {
        return atelio_gateway::probe::run(args).await;
    }
    let cfg = match config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => return config_error(&e),
    };
    match cli.command {
        None => serve(cfg, None).await,
        Some(Command::Serve { sandbox, emulator }) => serve(cfg, sandbox.then_some(emulator)).await,
        Some(Command::Sandbox {
            emulator,
            webhook_url,
            webhook_secret_file,
        }) => {
            sandbox_cmd::run(
                &cfg,
                &emulator,
                &webhook_url,
                webhook_secret_file,
                shutdown_signal(),
            )
            .await
        }
        Some(Command::CheckConfig) => check_config(&cfg),
        Some(Command::HealthProbe(_)) => unreachable!("handled before the configuration is read"),
        Some(Command::Demo) => match atelio_gateway::demo::run(cfg).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("demo failed: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

fn config_error(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(2)
}

fn check_config(cfg: &config::Config) -> ExitCode {
    match config::validate(cfg) {
        Ok(_) => {
            println!("configuration OK");
            println!("  server.grpc_addr          = {}", cfg.server.grpc_addr);
            println!(
                "  server.default_deadline_ms = {}",
                cfg.server.default_deadline_ms
            );
            println!("  upstream.base_url          = {}", cfg.upstream.base_url);
            println!("  upstream credentials       = set (not shown)");
            ExitCode::SUCCESS
        }
        Err(e) => config_error(&e),
    }
}

async fn build(cfg: config::Config, sandbox: Option<SandboxArgs>) -> Result<App, StartError> {
    match sandbox {
        None => App::build(cfg).await,
        Some(args) => {
            let addr = args.addr.unwrap_or_else(|| ([127, 0, 0, 1], 0).into());
            Ok(sandboxed::build(cfg, args.config(), addr).await?.app)
        }
    }
}

async fn serve(cfg: config::Config, sandbox: Option<SandboxArgs>) -> ExitCode {
    let telemetry = telemetry::init(&cfg.log, &cfg.telemetry);
    let app = match build(cfg, sandbox).await {
        Ok(app) => app,
        Err(StartError::Config(e)) => return config_error(&e),
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

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutdown signal received");
}
