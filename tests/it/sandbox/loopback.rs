//! `serve --sandbox` turns caller authentication off, so the real binary keeps every listener
//! configured on all interfaces on loopback instead (same port), unless `--sandbox-expose`.
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// The three listener addresses the binary logs at start.
fn bound_addresses(extra: &[&str]) -> Vec<String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_atelio-gateway"))
        .env_clear()
        .args(["serve", "--sandbox"])
        .args(extra)
        .env("ATELIO_GATEWAY__SERVER__GRPC_ADDR", "0.0.0.0:0")
        .env("ATELIO_GATEWAY__WEBHOOK__LISTEN_ADDR", "0.0.0.0:0")
        .env("ATELIO_GATEWAY__ADMIN__LISTEN_ADDR", "0.0.0.0:0")
        .env("ATELIO_GATEWAY__LOG__FORMAT", "json")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the gateway starts");
    let mut found = Vec::new();
    let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    for line in lines.map_while(Result::ok) {
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        for key in ["grpc_addr", "webhook_addr", "admin_addr"] {
            if let Some(a) = v["fields"][key].as_str() {
                found.push(a.to_string());
            }
        }
        if found.len() == 3 {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    found
}

#[test]
fn the_sandbox_binds_loopback_unless_told_to_expose() {
    let kept = bound_addresses(&[]);
    assert_eq!(kept.len(), 3, "{kept:?}");
    assert!(kept.iter().all(|a| a.starts_with("127.0.0.1:")), "{kept:?}");
    let exposed = bound_addresses(&["--sandbox-expose"]);
    assert_eq!(exposed.len(), 3, "{exposed:?}");
    assert!(
        exposed.iter().all(|a| a.starts_with("0.0.0.0:")),
        "{exposed:?}"
    );
}
