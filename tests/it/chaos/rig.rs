//! The chaos rig: the emulator with its faults on, and the gateway binary on fixed loopback
//! ports (so clients and webhooks find it again after each SIGKILL) with its SQLite file in a
//! temporary folder that outlives the restarts.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use atelio_gateway::sandbox::{Faults, SandboxConfig};
use serde_json::Value;

use super::client::Answered;
use crate::helpers::emulator::{self, Emulator};
use crate::helpers::process::GatewayProcess;

/// (event name, subject id, occurred_at as sent): one webhook, however often delivered.
pub type EventKey = (String, String, String);

pub struct Rig {
    pub emu: Emulator,
    gateway: Mutex<Option<GatewayProcess>>,
    env: Vec<(&'static str, String)>,
    grpc_port: u16,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn faults() -> Faults {
    Faults {
        error_rates: vec![(503, 0.03), (500, 0.02)],
        burst_every: 97,
        burst_len: 3,
        duplicate_rate: 0.2,
        reorder_rate: 0.2,
        reorder_delay: Duration::from_millis(200),
        lose_answer_rate: 0.1,
        slow_answer_rate: 0.05,
        slow_answer: Duration::from_millis(900),
        ..Default::default()
    }
}

impl Rig {
    pub async fn start() -> Rig {
        let emu = Emulator::start(SandboxConfig {
            faults: faults(),
            webhook_attempts: 12,
            webhook_retry_base: Duration::from_millis(50),
            ..emulator::config()
        })
        .await;
        let dir = tempfile::tempdir().expect("tempdir");
        let (grpc_port, webhook_port) = (free_port(), free_port());
        let webhook_url = format!(
            "http://127.0.0.1:{webhook_port}{}",
            atelio_gateway::webhook::WEBHOOK_PATH
        );
        let sub = emu.handle.subscribe(&webhook_url, &["kyc.*", "kyb.*"]);
        let db = dir.path().join("gateway.sqlite3").display().to_string();
        let env = vec![
            (
                "ATELIO_GATEWAY__SERVER__GRPC_ADDR",
                format!("127.0.0.1:{grpc_port}"),
            ),
            (
                "ATELIO_GATEWAY__WEBHOOK__LISTEN_ADDR",
                format!("127.0.0.1:{webhook_port}"),
            ),
            (
                "ATELIO_GATEWAY__WEBHOOK__SECRETS",
                format!("[{}]", sub.secret),
            ),
            (
                "ATELIO_GATEWAY__UPSTREAM__IDENTITY",
                emulator::IDENTITY.into(),
            ),
            (
                "ATELIO_GATEWAY__UPSTREAM__AUTHORIZATION",
                emulator::AUTHORIZATION.into(),
            ),
            (
                "ATELIO_GATEWAY__UPSTREAM__DEFAULT_PROGRAM_ID",
                emulator::PROGRAM.into(),
            ),
            ("ATELIO_GATEWAY__UPSTREAM__ATTEMPT_TIMEOUT_MS", "400".into()),
            ("ATELIO_GATEWAY__RETRY__BASE_DELAY_MS", "10".into()),
            ("ATELIO_GATEWAY__RETRY__MAX_DELAY_MS", "100".into()),
            ("ATELIO_GATEWAY__IDEMPOTENCY__STORE", "sqlite".into()),
            ("ATELIO_GATEWAY__IDEMPOTENCY__SQLITE_PATH", db),
            ("ATELIO_GATEWAY__EVENTS__STORE", "sqlite".into()),
        ];
        let rig = Rig {
            emu,
            gateway: Mutex::new(None),
            env,
            grpc_port,
            _dir: dir,
        };
        rig.launch().await;
        rig
    }

    pub fn grpc_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.grpc_port)
    }

    async fn launch(&self) {
        let (url, env) = (self.emu.handle.base_url(), self.env.clone());
        let started = tokio::task::spawn_blocking(move || {
            let env: Vec<(&str, String)> = env.iter().map(|(k, v)| (*k, v.clone())).collect();
            GatewayProcess::start(&url, &env)
        })
        .await
        .expect("start task");
        *self.gateway.lock().unwrap() = Some(started);
    }

    /// SIGKILL, then a new process on the same ports and files.
    pub async fn crash_and_restart(&self) {
        let old = self.gateway.lock().unwrap().take();
        if let Some(process) = old {
            tokio::task::spawn_blocking(move || process.kill())
                .await
                .expect("kill task");
        }
        self.launch().await;
    }

    /// The emitted webhooks once no new one has come for a second (outcomes follow starts).
    pub async fn settled_emissions(&self) -> Vec<EventKey> {
        let mut last = usize::MAX;
        loop {
            let now = self.emitted_events();
            if now.len() == last {
                return now;
            }
            last = now.len();
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// Every webhook the emulator emitted, as event keys.
    pub fn emitted_events(&self) -> Vec<EventKey> {
        self.emu.handle.emitted().iter().map(event_key).collect()
    }

    /// Counts upstream resources per journey (duplicates: more than one) and answers whose
    /// resource Atelio does not hold (wrong).
    pub async fn check_resources(&self, answered: &[Answered]) -> (usize, usize) {
        let customers = self
            .list("/customers?per_page=50", "first_name", true)
            .await;
        let businesses = self.list("/businesses", "legal_business_name", false).await;
        let mut duplicates = 0;
        let mut wrong = 0;
        for a in answered {
            let held = if a.is_business {
                &businesses
            } else {
                &customers
            };
            let ids = held.get(&a.name).cloned().unwrap_or_default();
            duplicates += ids.len().saturating_sub(1);
            wrong += usize::from(ids != [a.id.clone()]);
        }
        (duplicates, wrong)
    }

    /// name → ids of the listed resources (every page when `paged`).
    async fn list(&self, path: &str, name: &str, paged: bool) -> HashMap<String, Vec<String>> {
        self.emu.handle.set_faults(Faults::default());
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for page in 1.. {
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = if paged {
                format!("{path}{sep}page={page}")
            } else {
                path.to_string()
            };
            let (status, body) = self.emu.call("GET", &url, None).await;
            assert_eq!(status, 200, "{body}");
            let items: Vec<Value> = body
                .as_array()
                .cloned()
                .or_else(|| body["data"].as_array().cloned())
                .unwrap_or_default();
            for it in &items {
                let id = it["customer_id"].as_str().or(it["business_id"].as_str());
                let key = it[name].as_str().unwrap_or_default().to_string();
                out.entry(key)
                    .or_default()
                    .push(id.unwrap_or_default().to_string());
            }
            if !paged || items.len() < 50 {
                break;
            }
        }
        out
    }
}

impl Drop for Rig {
    /// The last gateway process dies with the test (SIGKILL; its files go with the folder).
    fn drop(&mut self) {
        if let Some(process) = self
            .gateway
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            let _ = process.kill();
        }
    }
}

pub fn event_key(v: &Value) -> EventKey {
    let subject = ["customer_id", "beneficial_owner_id", "business_id"]
        .iter()
        .find_map(|k| v[*k].as_str())
        .unwrap_or_default();
    (
        v["event"].as_str().unwrap_or_default().to_string(),
        subject.to_string(),
        v["occurred_at"].as_str().unwrap_or_default().to_string(),
    )
}

/// Crashes and restarts the gateway `times` times, `every` apart, while the clients run.
pub fn restart_during(rig: Arc<Rig>, times: usize, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        for _ in 0..times {
            tokio::time::sleep(every).await;
            rig.crash_and_restart().await;
        }
    })
}
