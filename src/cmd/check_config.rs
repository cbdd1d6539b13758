//! `atelio-gateway check-config`: validates the configuration (file + environment) and prints
//! the few keys an operator checks first, never a credential.
use std::process::ExitCode;

use crate::config;

/// Validates `cfg`; exit 0 and a summary, or 2 and the keyed error.
pub fn run(cfg: &config::Config) -> ExitCode {
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
        Err(e) => super::config_error(&e),
    }
}
