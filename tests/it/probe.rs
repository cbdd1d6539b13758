//! `atelio-gateway health-probe` (the Helm test pod's and the image HEALTHCHECK's probe) against
//! the real binary: exit 0 and SERVING for a serving gateway, 1 for an unknown service or a
//! closed port.
use std::process::Command;

use crate::helpers::FakeUpstream;
use crate::helpers::process::GatewayProcess;

fn probe(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_atelio-gateway"))
        .arg("health-probe")
        .args(args)
        .env_clear()
        .output()
        .expect("runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_probe_reports_serving_and_fails_otherwise() {
    let upstream = FakeUpstream::start().await;
    let gw = GatewayProcess::start(&upstream.base_url(), &[]);
    let addr = gw.addr.clone();
    let (ok, text) = tokio::task::spawn_blocking(move || probe(&["--addr", &addr]))
        .await
        .expect("join");
    assert!(ok && text.contains("SERVING"), "{text}");
    let addr = gw.addr.clone();
    let (ok, text) = tokio::task::spawn_blocking(move || {
        probe(&["--addr", &addr, "--service", "atelio.gateway.v1.Nope"])
    })
    .await
    .expect("join");
    assert!(!ok && text.contains("NotFound"), "{text}");
    drop(gw.kill());
    let (ok, text) =
        tokio::task::spawn_blocking(|| probe(&["--addr", "127.0.0.1:9", "--timeout-ms", "500"]))
            .await
            .expect("join");
    assert!(!ok && text.contains("health probe failed"), "{text}");
}
