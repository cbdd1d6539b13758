//! The polyglot proof: the Python (grpcio) and Node (@grpc/grpc-js) examples in `examples/`
//! each complete a customer KYC journey, including reading the rich details of an
//! INVALID_ARGUMENT, against the gateway wired to its emulator. `scripts/test` installs their
//! packages (pip, npm ci) before the suite runs.
use std::process::Command;
use std::time::Duration;

use atelio_gateway::sandbox::SandboxConfig;

use crate::helpers::emulator;
use crate::sandbox::e2e::start_with;

async fn journey(program: &'static str, script: &'static str) {
    let app = start_with(SandboxConfig {
        outcome_delay: Duration::from_millis(100),
        ..emulator::config()
    })
    .await;
    let target = app.grpc_addr.to_string();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(program)
            .arg(script)
            .arg(target)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
    })
    .await
    .expect("client task")
    .unwrap_or_else(|e| {
        panic!("cannot run {program} (scripts/test installs what the examples need): {e}")
    });
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{script} failed\n{stdout}\n{stderr}\n(scripts/test installs the examples' packages)"
    );
    for line in [
        "INVALID_ARGUMENT, fields: customer.dob",
        "KYC_DOCUMENT_REQUIRED",
        "KYC_UNDER_REVIEW",
        "KYC_SUCCESS",
        "KYC status passed",
        "journey: ok",
    ] {
        assert!(
            stdout.contains(line),
            "{script}: missing {line:?} in\n{stdout}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_client_completes_a_kyc_journey() {
    journey("python3", "examples/python/kyc_journey.py").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_node_client_completes_a_kyc_journey() {
    journey("node", "examples/node/kyc_journey.js").await;
}
