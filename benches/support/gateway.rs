//! Starts the release gateway binary for a benchmark: SQLite in a temp dir (or, with
//! `BENCH_STORE=redis`, every store on a local redis-server with AOF `appendfsync always`), logs
//! at `warn`, addresses read from its startup lines; `start_with` adds settings.
// Shared by several benchmarks, each using part of it.
#![allow(dead_code)]
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
    pub admin_url: String,
    pub pid: u32,
}

fn field(line: &str, name: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    v["fields"][name].as_str().map(str::to_string)
}

impl Gateway {
    pub fn start() -> Gateway {
        Self::start_with(&[])
    }

    /// Starts it with extra `ATELIO_GATEWAY__…` settings (applied last, so they win).
    pub fn start_with(extra: &[(&str, String)]) -> Gateway {
        Self::start_binary(env!("CARGO_BIN_EXE_atelio-gateway"), extra)
    }

    /// `start_with` on another build of the gateway (a before/after comparison in one run).
    pub fn start_binary(binary: &str, extra: &[(&str, String)]) -> Gateway {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("bench.sqlite3");
        let redis = (std::env::var("BENCH_STORE").as_deref() == Ok("redis"))
            .then(|| atelio_gateway::storage::redis_server::RedisServer::start(true));
        let mut cmd = Command::new(binary);
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
            .envs(extra.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::piped())
            .spawn()
            .expect("gateway binary starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let keys = [
                    ("grpc", "grpc_addr"),
                    ("webhook", "webhook_addr"),
                    ("admin", "admin_addr"),
                ];
                for (name, key) in keys {
                    if let Some(a) = field(&line, key) {
                        let _ = tx.send((name, a));
                    }
                }
            }
        });
        let (mut grpc, mut webhook, mut admin) = (String::new(), String::new(), String::new());
        while grpc.is_empty() || webhook.is_empty() || admin.is_empty() {
            let (name, a) = rx
                .recv_timeout(Duration::from_secs(30))
                .expect("gateway addresses");
            match name {
                "grpc" => grpc = a,
                "webhook" => webhook = a,
                _ => admin = a,
            }
        }
        let pid = child.id();
        Gateway {
            child,
            _dir: dir,
            _redis: redis,
            grpc_url: format!("http://{grpc}"),
            webhook_url: format!("http://{webhook}/webhooks/atelio"),
            admin_url: format!("http://{admin}"),
            pid,
        }
    }

    /// Resident memory of the gateway process, KiB.
    pub fn rss_kib(&self) -> u64 {
        self.status_kib("VmRSS:")
    }

    /// The most resident memory the gateway process has had, KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        self.status_kib("VmHWM:")
    }

    fn status_kib(&self, field: &str) -> u64 {
        status_kib(self.pid, field)
    }

    /// File descriptors the gateway process has open.
    pub fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid)).map_or(0, |d| d.count())
    }

    pub fn stop(self) {}
}

/// A `kB` field (`VmRSS:`, `VmHWM:`) of `/proc/<pid>/status`, KiB; 0 when unreadable.
pub fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
