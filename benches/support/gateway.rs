//! Starts the release gateway binary for a benchmark: SQLite in a temp dir (or, with
//! `BENCH_STORE=redis`, every store on a local redis-server with AOF `appendfsync always`), logs
//! at `warn`, addresses read from its startup lines.
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The webhook secret the benchmark gateway accepts.
pub const SECRET: &str = "whsec_bench_9f2c7e1a4b6d8f0a3c5e7b9d1f3a5c7e";

pub struct Gateway {
    child: Child,
    _dir: tempfile::TempDir,
    _redis: Option<atelio_gateway::storage::redis_server::RedisServer>,
    pub grpc_url: String,
    pub webhook_url: String,
    pub pid: u32,
}

fn field(line: &str, name: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    v["fields"][name].as_str().map(str::to_string)
}

impl Gateway {
    pub fn start() -> Gateway {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("bench.sqlite3");
        let redis = (std::env::var("BENCH_STORE").as_deref() == Ok("redis"))
            .then(|| atelio_gateway::storage::redis_server::RedisServer::start(true));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_atelio-gateway"));
        cmd.env_clear();
        if let Ok(sync) = std::env::var("BENCH_SQLITE_SYNCHRONOUS") {
            cmd.env("ATELIO_GATEWAY__SQLITE__SYNCHRONOUS", sync);
        }
        if let Some(r) = &redis {
            cmd.env("ATELIO_GATEWAY__IDEMPOTENCY__STORE", "redis")
                .env("ATELIO_GATEWAY__EVENTS__STORE", "redis")
                .env("ATELIO_GATEWAY__REDIS__URL", r.url());
        }
        let mut child = cmd
            .env("ATELIO_GATEWAY__SERVER__GRPC_ADDR", "127.0.0.1:0")
            .env("ATELIO_GATEWAY__WEBHOOK__LISTEN_ADDR", "127.0.0.1:0")
            .env("ATELIO_GATEWAY__ADMIN__LISTEN_ADDR", "127.0.0.1:0")
            .env("ATELIO_GATEWAY__WEBHOOK__SECRETS", format!("[{SECRET}]"))
            .env(
                "ATELIO_GATEWAY__UPSTREAM__BASE_URL",
                "http://127.0.0.1:9/api/v0.1",
            )
            .env("ATELIO_GATEWAY__AUTH__MODE", "off")
            .env("ATELIO_GATEWAY__UPSTREAM__IDENTITY", "bench")
            .env("ATELIO_GATEWAY__UPSTREAM__AUTHORIZATION", "bench")
            .env(
                "ATELIO_GATEWAY__IDEMPOTENCY__SQLITE_PATH",
                db.to_str().expect("utf-8 path"),
            )
            .env(
                "ATELIO_GATEWAY__LOG__LEVEL",
                "warn,atelio_gateway::app=info",
            )
            .stdout(Stdio::piped())
            .spawn()
            .expect("gateway binary starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                for (name, key) in [("grpc", "grpc_addr"), ("webhook", "webhook_addr")] {
                    if let Some(a) = field(&line, key) {
                        let _ = tx.send((name, a));
                    }
                }
            }
        });
        let (mut grpc, mut webhook) = (String::new(), String::new());
        while grpc.is_empty() || webhook.is_empty() {
            let (name, a) = rx
                .recv_timeout(Duration::from_secs(30))
                .expect("gateway addresses");
            if name == "grpc" {
                grpc = a
            } else {
                webhook = a
            }
        }
        let pid = child.id();
        Gateway {
            child,
            _dir: dir,
            _redis: redis,
            grpc_url: format!("http://{grpc}"),
            webhook_url: format!("http://{webhook}/webhooks/atelio"),
            pid,
        }
    }

    /// Resident memory of the gateway process, KiB.
    pub fn rss_kib(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    pub fn stop(self) {}
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
