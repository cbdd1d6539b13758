//! The NATS JetStream baseline: Debian's `nats-server -js` (file store) on loopback and a
//! minimal client of NATS's text protocol (CONNECT, SUB, PUB with a reply inbox, MSG):
//! publish-with-ack on a stream, subscribers each on their own connection with an ephemeral push
//! consumer (deliver policy new, no acks).
// Shared by several benchmarks, each using part of it.
#![allow(dead_code)]
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use super::relay::{self, Latency, Opener, Order, Publisher};

pub struct JetStream {
    child: Child,
    _dir: tempfile::TempDir,
    port: u16,
}

impl JetStream {
    /// Starts the server with a file-backed stream `EV` on subject `ev`; None without the binary.
    pub async fn start() -> Option<JetStream> {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let child = Command::new("nats-server")
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let js = JetStream {
            child,
            _dir: dir,
            port,
        };
        let mut c = js.connect_retrying().await;
        let config = r#"{"name":"EV","subjects":["ev"],"storage":"file"}"#;
        let reply = c
            .request("$JS.API.STREAM.CREATE.EV", config.as_bytes())
            .await;
        assert!(
            !contains(&reply, b"\"error\""),
            "stream create: {}",
            String::from_utf8_lossy(&reply)
        );
        Some(js)
    }

    async fn connect_retrying(&self) -> Nats {
        for _ in 0..100 {
            if let Ok(c) = Nats::connect(self.port).await {
                return c;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("nats-server did not start");
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn opener(&self) -> JsOpener {
        JsOpener(self.port)
    }

    /// Fan-out: `subscribers` push consumers, `rate` events/s for `for_`.
    pub async fn fanout(&self, subscribers: usize, rate: u32, for_: Duration) -> Latency {
        let base = Instant::now();
        let mut readers = Vec::new();
        for i in 0..subscribers {
            let mut c = self.consumer(&format!("d.{rate}.{i}")).await;
            readers.push(tokio::spawn(async move { c.read_all(base).await }));
        }
        let sent = relay::pace(&self.opener(), rate, for_, base).await;
        let mut seen = Vec::new();
        for r in readers {
            seen.push(r.await.expect("reader"));
        }
        relay::summarize(seen, sent)
    }

    /// A connection subscribed to `deliver` with a push consumer delivering new events there.
    async fn consumer(&self, deliver: &str) -> Nats {
        let mut c = self.connect_retrying().await;
        c.send(format!("SUB {deliver} 2\r\n").as_bytes()).await;
        let config = format!(
            r#"{{"stream_name":"EV","config":{{"deliver_subject":"{deliver}","deliver_policy":"new","ack_policy":"none","filter_subject":"ev"}}}}"#
        );
        let reply = c
            .request("$JS.API.CONSUMER.CREATE.EV", config.as_bytes())
            .await;
        assert!(
            !contains(&reply, b"\"error\""),
            "consumer: {}",
            String::from_utf8_lossy(&reply)
        );
        c
    }

    /// Server RSS added per idle subscriber (own connection, push consumer), KiB.
    pub async fn idle_memory(&self, n: usize) -> f64 {
        let before = relay::rss_kib(self.pid());
        let mut held = Vec::with_capacity(n);
        for i in 0..n {
            held.push(self.consumer(&format!("idle.{i}")).await);
        }
        tokio::time::sleep(Duration::from_millis(1_000)).await;
        let after = relay::rss_kib(self.pid());
        drop(held);
        after.saturating_sub(before) as f64 / n as f64
    }
}

impl Drop for JetStream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// One NATS connection; replies come to `_I.<n>` (subscription id 1).
pub struct Nats {
    r: BufReader<OwnedReadHalf>,
    w: OwnedWriteHalf,
    line: String,
    next: u64,
    out: Vec<u8>,
}

impl Nats {
    async fn connect(port: u16) -> std::io::Result<Nats> {
        let s = TcpStream::connect(("127.0.0.1", port)).await?;
        s.set_nodelay(true)?;
        let (r, w) = s.into_split();
        let mut c = Nats {
            r: BufReader::new(r),
            w,
            line: String::new(),
            next: 0,
            out: Vec::new(),
        };
        c.read_line().await; // INFO
        let hello = "CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":false}\r\n";
        c.send(format!("{hello}SUB _I.* 1\r\nPING\r\n").as_bytes())
            .await;
        while c.read_line().await.trim() != "PONG" {}
        Ok(c)
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.w.write_all(bytes).await.expect("nats write");
    }

    async fn read_line(&mut self) -> &str {
        self.line.clear();
        self.r.read_line(&mut self.line).await.expect("nats read");
        &self.line
    }

    /// The next message: (subject tokens, reply subject, payload); answers PINGs on the way.
    async fn next_msg(&mut self) -> Option<(String, Vec<u8>)> {
        loop {
            let line = self.read_line().await.trim_end().to_string();
            if line.is_empty() {
                return None;
            }
            if line == "PING" {
                self.send(b"PONG\r\n").await;
                continue;
            }
            let Some(rest) = line.strip_prefix("MSG ") else {
                continue;
            };
            let parts: Vec<&str> = rest.split(' ').collect();
            let len: usize = parts.last()?.parse().ok()?;
            let reply = if parts.len() == 4 {
                parts[2].to_string()
            } else {
                String::new()
            };
            let mut payload = vec![0; len + 2];
            self.r.read_exact(&mut payload).await.ok()?;
            payload.truncate(len);
            return Some((reply, payload));
        }
    }

    /// Publishes `body` to `subject` and waits for the reply.
    async fn request(&mut self, subject: &str, body: &[u8]) -> Vec<u8> {
        self.next += 1;
        self.out.clear();
        self.out.extend_from_slice(
            format!("PUB {subject} _I.{} {}\r\n", self.next, body.len()).as_bytes(),
        );
        self.out.extend_from_slice(body);
        self.out.extend_from_slice(b"\r\n");
        let out = std::mem::take(&mut self.out);
        self.send(&out).await;
        self.out = out;
        self.next_msg().await.expect("a reply").1
    }

    /// Reads deliveries until 3 s pass without one.
    async fn read_all(&mut self, base: Instant) -> (Vec<f64>, usize) {
        let (mut out, mut order) = (Vec::new(), Order::new());
        while let Ok(Some((reply, payload))) =
            tokio::time::timeout(Duration::from_secs(3), self.next_msg()).await
        {
            // $JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<ts>.<pending>;
            // with acks off there is no reply subject, and no sequence to check the order by.
            if let Some(seq) = reply.split('.').nth(5).and_then(|s| s.parse().ok()) {
                order.see(seq);
            }
            if let Some(stamp) = relay::stamp_of(&payload) {
                out.push(relay::since_ms(base, stamp));
            }
        }
        (out, order.disordered)
    }
}

/// Publishers to subject `ev`, each waiting for JetStream's ack.
#[derive(Clone)]
pub struct JsOpener(u16);

impl Opener for JsOpener {
    type P = Nats;
    async fn open(&self) -> Nats {
        Nats::connect(self.0).await.expect("nats connection")
    }
}

impl Publisher for Nats {
    async fn publish(&mut self, body: Vec<u8>) {
        let ack = self.request("ev", &body).await;
        assert!(
            contains(&ack, b"\"seq\""),
            "publish ack: {}",
            String::from_utf8_lossy(&ack)
        );
    }
}
