//! `atelio-gateway sandbox`: the Atelio emulator alone, until SIGINT/SIGTERM. Optional
//! subscriptions are created at start; their secrets go to a 0600 file, never to the log.
use std::{io::Write, path::PathBuf, process::ExitCode};

use super::cli::SandboxArgs;
use crate::{app::sandboxed::SUBSCRIBED, config, sandbox, telemetry};

fn write_secrets(path: &PathBuf, secrets: &[String]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    for s in secrets {
        writeln!(f, "{s}")?;
    }
    Ok(())
}

/// Runs the emulator alone until `shutdown`.
pub async fn run(
    cfg: &config::Config,
    args: &SandboxArgs,
    webhook_urls: &[String],
    secret_file: Option<PathBuf>,
    shutdown: impl std::future::Future<Output = ()>,
) -> ExitCode {
    let _telemetry = telemetry::init(&cfg.log, &cfg.telemetry);
    let addr = args.addr.unwrap_or_else(|| ([127, 0, 0, 1], 8090).into());
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: sandbox: cannot bind {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let handle = match sandbox::start(args.config(), listener) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    let secrets: Vec<String> = webhook_urls
        .iter()
        .map(|url| handle.subscribe(url, &SUBSCRIBED).secret)
        .collect();
    if let Some(path) = &secret_file
        && let Err(e) = write_secrets(path, &secrets)
    {
        eprintln!("error: cannot write {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    println!("Atelio sandbox emulator: {}", handle.base_url());
    shutdown.await;
    ExitCode::SUCCESS
}
