//! A throwaway `redis-server` on a free loopback port, for the test suite and the benchmarks
//! (never used by the gateway itself). It runs under a small shell watchdog that stops it when
//! the test process is gone (and then removes its data directory), so an aborted run leaves no
//! server or files behind. `kill` and `restart`
//! (same port, same directory, so an AOF file survives) let tests take Redis away mid-run.
use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::OnceLock,
    time::{Duration, Instant},
};

/// What kind of server runs.
#[derive(Clone, Debug)]
pub enum Mode {
    /// Plain TCP.
    Plain,
    /// TLS only (no plain port), with these PEM files; clients need no certificate.
    Tls {
        cert: PathBuf,
        key: PathBuf,
        ca: PathBuf,
    },
    /// A replica of the server on this port.
    ReplicaOf(u16),
    /// A Sentinel monitoring the master on this port as `mymaster` (quorum 1, down after
    /// 500 ms), so a test can watch a failover.
    Sentinel(u16),
}

/// A running (or killed) local Redis.
pub struct RedisServer {
    port: u16,
    dir: PathBuf,
    append_only: bool,
    mode: Mode,
    running: Option<(Child, i32)>,
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    l.local_addr().expect("addr").port()
}

impl RedisServer {
    /// Starts a server on a free port, data in a fresh temporary directory; with AOF
    /// (`appendfsync always`) when `append_only`.
    pub fn start(append_only: bool) -> RedisServer {
        Self::start_as(append_only, Mode::Plain)
    }

    /// Starts a server of the given kind (see [`Mode`]).
    pub fn start_as(append_only: bool, mode: Mode) -> RedisServer {
        let dir = std::env::temp_dir().join(format!("agw-redis-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("redis dir");
        let mut s = RedisServer {
            port: free_port(),
            dir,
            append_only,
            mode,
            running: None,
        };
        s.restart();
        s
    }

    /// One server shared by every test of this process (tests use distinct key prefixes).
    pub fn shared() -> &'static RedisServer {
        static SHARED: OnceLock<RedisServer> = OnceLock::new();
        SHARED.get_or_init(|| RedisServer::start(false))
    }

    /// A multiplexed connection to it.
    pub async fn connection(&self) -> super::RedisConn {
        redis::Client::open(self.url())
            .expect("a loopback redis URL")
            .get_connection_manager()
            .await
            .expect("the local redis-server accepts connections")
            .into()
    }

    /// `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The port it listens on (TLS or plain).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The arguments for its mode (a Sentinel's config file comes first).
    fn args(&self) -> Vec<String> {
        let aof = if self.append_only { "yes" } else { "no" };
        let port = self.port.to_string();
        let data = ["--save", "", "--appendonly", aof, "--appendfsync", "always"];
        let mut args: Vec<String> = Vec::new();
        if let Mode::Sentinel(master) = &self.mode {
            let conf = self.dir.join("sentinel.conf");
            let text = format!(
                "sentinel monitor mymaster 127.0.0.1 {master} 1\n\
                 sentinel down-after-milliseconds mymaster 500\n\
                 sentinel failover-timeout mymaster 2000\n"
            );
            std::fs::write(&conf, text).expect("sentinel.conf");
            args.push(conf.display().to_string());
            args.push("--sentinel".into());
        } else {
            args.extend(data.iter().map(|a| a.to_string()));
        }
        args.extend([
            "--port".into(),
            port.clone(),
            "--bind".into(),
            "127.0.0.1".into(),
        ]);
        match &self.mode {
            Mode::Tls { cert, key, ca } => {
                let files = [
                    ("--tls-cert-file", cert),
                    ("--tls-key-file", key),
                    ("--tls-ca-cert-file", ca),
                ];
                args.extend(["--port".into(), "0".into(), "--tls-port".into(), port]);
                for (flag, file) in files {
                    args.extend([flag.to_string(), file.display().to_string()]);
                }
                args.extend(["--tls-auth-clients".into(), "no".into()]);
            }
            Mode::ReplicaOf(master) => {
                args.extend(["--replicaof".into(), "127.0.0.1".into(), master.to_string()]);
            }
            Mode::Plain | Mode::Sentinel(_) => {}
        }
        args
    }

    /// (Re)starts the server on its port and directory and waits until it accepts connections.
    pub fn restart(&mut self) {
        let script = "redis-server \"$@\" >/dev/null 2>&1 & r=$!; echo $r; \
            while kill -0 \"$WATCH\" 2>/dev/null && kill -0 $r 2>/dev/null; do sleep 0.3; done; \
            kill -9 $r 2>/dev/null; kill -0 \"$WATCH\" 2>/dev/null || rm -rf \"$DATA\"";
        let mut child = Command::new("sh")
            .args(["-c", script, "sh"])
            .args(self.args())
            .arg("--dir")
            .arg(&self.dir)
            .env("WATCH", std::process::id().to_string())
            .env("DATA", &self.dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server runs (scripts/test installs Debian's redis-server)");
        let mut first = String::new();
        let out = child.stdout.take().expect("stdout");
        BufReader::new(out).read_line(&mut first).expect("pid line");
        let pid: i32 = first.trim().parse().expect("redis pid");
        self.running = Some((child, pid));
        self.wait_ready();
    }

    fn wait_ready(&self) {
        let until = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < until,
                "redis-server did not start (is it installed?)"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server at once (SIGKILL: no shutdown, as in a crash).
    pub fn kill(&mut self) {
        if let Some((mut child, pid)) = self.running.take() {
            // SAFETY: kill(2) on a pid this struct started; no memory effects.
            #[allow(unsafe_code)]
            unsafe {
                libc::kill(pid, libc::SIGKILL)
            };
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
