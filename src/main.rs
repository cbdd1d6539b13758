//! The binary: parse the command line and run it (`atelio_gateway::cmd`).
#![recursion_limit = "256"]
use std::process::ExitCode;

use atelio_gateway::cmd::{self, cli::Cli};
use clap::Parser;

/// mimalloc instead of glibc's malloc: the webhook and event paths allocate many small,
/// short-lived buffers, and glibc's arena bookkeeping (consolidation, unlinking) was ~15 % of
/// the gateway's CPU under ingest load (docs/benchmarks.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    cmd::run(Cli::parse()).await
}
