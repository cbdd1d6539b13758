//! The binary: parse the command line and run it (`atelio_gateway::cmd`).
#![recursion_limit = "256"]
use std::process::ExitCode;

use atelio_gateway::cmd::{self, cli::Cli};
use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    cmd::run(Cli::parse()).await
}
