//! The real gateway binary as a child process (JSON logs on stdout, collected line by line), for
//! tests that need a separate process: log capture, SIGKILL crashes. Addresses are read from
//! the startup log lines, so port 0 works.
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use super::{AUTHORIZATION, IDENTITY, signing::SECRET};

/// A running gateway process.
pub struct GatewayProcess {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    /// gRPC address.
    pub addr: String,
    /// Webhook URL.
    pub webhook_url: String,
    /// Admin listener (metrics, probes) base URL, `http://ADDR`.
    pub admin_url: String,
}

fn field(line: &str, name: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    v["fields"][name].as_str().map(str::to_string)
}

impl GatewayProcess {
    /// The binary's command against `upstream_url` with extra `ATELIO_GATEWAY__…` settings.
    fn command(upstream_url: &str, extra: &[(&str, String)]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_atelio-gateway"));
        cmd.env_clear()
            .env("ATELIO_GATEWAY__SERVER__GRPC_ADDR", "127.0.0.1:0")
            .env("ATELIO_GATEWAY__WEBHOOK__LISTEN_ADDR", "127.0.0.1:0")
            .env("ATELIO_GATEWAY__ADMIN__LISTEN_ADDR", "127.0.0.1:0")
            .env("ATELIO_GATEWAY__WEBHOOK__SECRETS", format!("[{SECRET}]"))
            .env("ATELIO_GATEWAY__UPSTREAM__BASE_URL", upstream_url)
            .env("ATELIO_GATEWAY__UPSTREAM__IDENTITY", IDENTITY)
            .env("ATELIO_GATEWAY__UPSTREAM__AUTHORIZATION", AUTHORIZATION)
            .env("ATELIO_GATEWAY__LOG__FORMAT", "json")
            .env("ATELIO_GATEWAY__AUTH__MODE", "off")
            .stdout(Stdio::piped());
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs the binary expecting it to refuse to start: its exit status and stderr (panics if
    /// it is still running after 30 s).
    pub fn start_refused(
        upstream_url: &str,
        extra: &[(&str, String)],
    ) -> (std::process::ExitStatus, String) {
        let mut cmd = Self::command(upstream_url, extra);
        let mut child = cmd.stderr(Stdio::piped()).spawn().expect("gateway starts");
        let until = std::time::Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait") {
                break s;
            }
            if std::time::Instant::now() > until {
                let _ = child.kill();
                panic!("the gateway started instead of refusing");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut err).ok();
        (status, err)
    }

    /// Starts the binary against `upstream_url` with extra `ATELIO_GATEWAY__…` settings.
    pub fn start(upstream_url: &str, extra: &[(&str, String)]) -> GatewayProcess {
        Self::spawn(Self::command(upstream_url, extra))
    }

    /// Same, with at most `files` open file descriptors (soft and hard limit).
    #[allow(unsafe_code)]
    pub fn start_with_fd_limit(
        upstream_url: &str,
        extra: &[(&str, String)],
        files: u64,
    ) -> GatewayProcess {
        use std::os::unix::process::CommandExt;
        let mut cmd = Self::command(upstream_url, extra);
        let lim = libc::rlimit {
            rlim_cur: files,
            rlim_max: files,
        };
        // SAFETY: between fork and exec only setrlimit(2) runs, which is async-signal-safe and
        // reads a value copied into the closure.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
        Self::spawn(cmd)
    }

    fn spawn(mut cmd: Command) -> GatewayProcess {
        let mut child = cmd.spawn().expect("gateway starts");
        let stdout = child.stdout.take().expect("stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(a) = field(&line, "grpc_addr") {
                    let _ = tx.send(("grpc", a));
                } else if let Some(a) = field(&line, "webhook_addr") {
                    let _ = tx.send(("webhook", a));
                } else if let Some(a) = field(&line, "admin_addr") {
                    let _ = tx.send(("admin", a));
                }
                sink.lock().unwrap().push(line);
            }
        });
        let (mut addr, mut webhook, mut admin) = (String::new(), String::new(), String::new());
        while addr.is_empty() || webhook.is_empty() || admin.is_empty() {
            let (which, a) = rx
                .recv_timeout(Duration::from_secs(30))
                .expect("the gateway logs its addresses");
            match which {
                "grpc" => addr = a,
                "webhook" => webhook = a,
                _ => admin = a,
            }
        }
        let webhook_url = format!("http://{webhook}{}", atelio_gateway::webhook::WEBHOOK_PATH);
        GatewayProcess {
            child,
            lines,
            addr,
            webhook_url,
            admin_url: format!("http://{admin}"),
        }
    }

    /// Whether a log line so far contains `needle`.
    pub fn logged(&self, needle: &str) -> bool {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains(needle))
    }

    /// Sends SIGTERM (the graceful path).
    #[allow(unsafe_code)]
    pub fn terminate(&self) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid");
        // SAFETY: kill(2) on our own child's pid has no memory effects.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0, "SIGTERM sent");
    }

    /// Waits up to `limit` for the process to exit; its status and log.
    pub fn wait_exit(mut self, limit: Duration) -> (Option<std::process::ExitStatus>, String) {
        let until = std::time::Instant::now() + limit;
        let status = loop {
            match self.child.try_wait().expect("wait") {
                Some(s) => break Some(s),
                None if std::time::Instant::now() > until => {
                    let _ = self.child.kill();
                    break None;
                }
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        };
        std::thread::sleep(Duration::from_millis(50));
        (status, self.lines.lock().unwrap().join("\n"))
    }

    /// Stops it with SIGKILL (no shutdown path at all) and returns its log.
    pub fn kill(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(Duration::from_millis(50));
        self.lines.lock().unwrap().join("\n")
    }
}
