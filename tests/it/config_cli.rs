//! The binary's configuration handling: `check-config` validates file + env, names the bad key
//! and exits 2; secrets are never printed. (Env is set on the child process only.)
use std::process::Command;

fn gateway() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_atelio-gateway"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    c
}

#[test]
fn check_config_accepts_a_file_with_env_credentials_and_hides_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gateway.toml");
    let secrets = dir.path().join("webhook-secrets");
    std::fs::write(&secrets, "whsec_one\nwhsec_two\n").unwrap();
    std::fs::write(&file, "[server]\ngrpc_addr = \"127.0.0.1:0\"\n[upstream]\nbase_url = \"http://127.0.0.1:9/api/v0.1\"\n").unwrap();
    let out = gateway()
        .args(["--config", file.to_str().unwrap(), "check-config"])
        .env("ATELIO_GATEWAY__UPSTREAM__IDENTITY", "ident-xyz")
        .env("ATELIO_GATEWAY__UPSTREAM__AUTHORIZATION", "secret-xyz")
        .env(
            "ATELIO_GATEWAY__WEBHOOK__SECRETS_FILE",
            secrets.to_str().unwrap(),
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("http://127.0.0.1:9/api/v0.1"));
    assert!(
        !stdout.contains("ident-xyz")
            && !stdout.contains("secret-xyz")
            && !stdout.contains("whsec_")
    );
}

#[test]
fn a_bad_value_names_its_key_and_exits_2() {
    let cases = [
        (
            vec![("ATELIO_GATEWAY__UPSTREAM__IDENTITY", "i")],
            "upstream.authorization",
        ),
        (
            vec![("ATELIO_GATEWAY__SERVER__DEFAULT_DEADLINE_MS", "soon")],
            "server.default_deadline_ms",
        ),
        (
            vec![("ATELIO_GATEWAY__UPSTREAM__BASE_URL", "not a url")],
            "upstream.base_url",
        ),
    ];
    for (env, key) in cases {
        let mut cmd = gateway();
        cmd.arg("check-config")
            .env("ATELIO_GATEWAY__UPSTREAM__AUTHORIZATION", "a");
        for (k, v) in env {
            cmd.env(k, v);
        }
        if key != "webhook.secrets" {
            cmd.env("ATELIO_GATEWAY__WEBHOOK__SECRETS", "[whsec_x]");
        }
        if key == "upstream.authorization" {
            cmd.env_remove("ATELIO_GATEWAY__UPSTREAM__AUTHORIZATION");
        } else {
            cmd.env("ATELIO_GATEWAY__UPSTREAM__IDENTITY", "i");
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{key}: {stderr}");
        assert!(stderr.contains(key), "{key} not named in: {stderr}");
    }
}

#[test]
fn serve_with_invalid_config_exits_2_before_binding() {
    let out = gateway().arg("serve").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("upstream.identity"));
}
