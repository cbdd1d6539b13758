//! The Redis Streams baseline: a local redis-server with AOF (`appendfsync` everysec or always),
//! `XADD` acked per event, subscribers blocked in `XREAD` each on its own connection.
// Shared by several benchmarks, each using part of it.
#![allow(dead_code)]
use std::time::{Duration, Instant};

use atelio_gateway::storage::redis_server::RedisServer;
use redis::aio::MultiplexedConnection;
use redis::streams::{StreamReadOptions, StreamReadReply};

use super::relay::{self, Latency, Opener, Order, Publisher};

pub struct RedisStreams {
    server: RedisServer,
    client: redis::Client,
    pub fsync: &'static str,
    key: String,
}

impl RedisStreams {
    /// A fresh server with AOF on and `appendfsync` = `fsync` ("everysec" or "always").
    pub async fn start(fsync: &'static str) -> RedisStreams {
        let server = RedisServer::start(true);
        let client = redis::Client::open(server.url()).expect("url");
        let mut c = client
            .get_multiplexed_async_connection()
            .await
            .expect("redis");
        let () = redis::cmd("CONFIG")
            .arg("SET")
            .arg("appendfsync")
            .arg(fsync)
            .query_async(&mut c)
            .await
            .expect("config set");
        RedisStreams {
            server,
            client,
            fsync,
            key: "ev".into(),
        }
    }

    async fn conn(&self) -> MultiplexedConnection {
        self.client
            .get_multiplexed_async_connection()
            .await
            .expect("redis connection")
    }

    /// The server's pid (for its RSS).
    pub async fn pid(&self) -> u32 {
        let info: String = redis::cmd("INFO")
            .arg("server")
            .query_async(&mut self.conn().await)
            .await
            .expect("info");
        info.lines()
            .find_map(|l| l.strip_prefix("process_id:"))
            .and_then(|v| v.trim().parse().ok())
            .expect("process_id")
    }

    /// Fan-out: `subscribers` readers, `rate` events/s for `for_`.
    pub async fn fanout(&self, subscribers: usize, rate: u32, for_: Duration) -> Latency {
        let base = Instant::now();
        let key = format!("fan-{rate}-{}", uuid::Uuid::new_v4());
        let mut readers = Vec::new();
        for _ in 0..subscribers {
            let (mut c, key) = (self.conn().await, key.clone());
            readers.push(tokio::spawn(
                async move { read_all(&mut c, &key, base).await },
            ));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let opener = Xadd {
            client: self.client.clone(),
            key,
        };
        let sent = relay::pace(&opener, rate, for_, base).await;
        let mut seen = Vec::new();
        for r in readers {
            seen.push(r.await.expect("reader"));
        }
        relay::summarize(seen, sent)
    }

    /// Server RSS added per idle reader (`n` connections blocked in XREAD), KiB.
    pub async fn idle_memory(&self, n: usize) -> f64 {
        let pid = self.pid().await;
        let before = relay::rss_kib(pid);
        let mut held = Vec::with_capacity(n);
        for _ in 0..n {
            let mut c = self.conn().await;
            held.push(tokio::spawn(async move {
                let opts = StreamReadOptions::default().block(0);
                let _: Result<StreamReadReply, _> =
                    redis::AsyncCommands::xread_options(&mut c, &["idle"], &["$"], &opts).await;
            }));
        }
        tokio::time::sleep(Duration::from_millis(1_000)).await;
        let after = relay::rss_kib(pid);
        for h in held {
            h.abort();
        }
        after.saturating_sub(before) as f64 / n as f64
    }

    pub fn opener(&self) -> Xadd {
        Xadd {
            client: self.client.clone(),
            key: self.key.clone(),
        }
    }

    pub fn stop(self) {
        drop(self.server);
    }
}

/// Reads every entry of `key` until 3 s pass without one; latencies and order.
async fn read_all(c: &mut MultiplexedConnection, key: &str, base: Instant) -> (Vec<f64>, usize) {
    let (mut last, mut order, mut out) = ("0-0".to_string(), Order::new(), Vec::new());
    loop {
        let opts = StreamReadOptions::default().block(3_000).count(512);
        let reply: StreamReadReply =
            match redis::AsyncCommands::xread_options(c, &[key], &[last.as_str()], &opts).await {
                Ok(r) => r,
                Err(_) => break,
            };
        let Some(stream) = reply.keys.into_iter().next() else {
            break;
        };
        for id in stream.ids {
            order.see(stream_seq(&id.id));
            if let Some(redis::Value::BulkString(p)) = id.map.get("p")
                && let Some(stamp) = relay::stamp_of(p)
            {
                out.push(relay::since_ms(base, stamp));
            }
            last = id.id;
        }
    }
    (out, order.disordered)
}

/// An entry id `ms-n` as one rising number.
fn stream_seq(id: &str) -> u64 {
    let (ms, n) = id.split_once('-').unwrap_or((id, "0"));
    (ms.parse::<u64>().unwrap_or(0) << 20) | n.parse::<u64>().unwrap_or(0)
}

/// Publishes with `XADD key * p <event>` on a connection of its own.
#[derive(Clone)]
pub struct Xadd {
    client: redis::Client,
    key: String,
}

pub struct XaddConn(MultiplexedConnection, String);

impl Opener for Xadd {
    type P = XaddConn;
    async fn open(&self) -> XaddConn {
        let c = self
            .client
            .get_multiplexed_async_connection()
            .await
            .expect("redis connection");
        XaddConn(c, self.key.clone())
    }
}

impl Publisher for XaddConn {
    async fn publish(&mut self, body: Vec<u8>) {
        let _: String = redis::cmd("XADD")
            .arg(&self.1)
            .arg("*")
            .arg("p")
            .arg(body)
            .query_async(&mut self.0)
            .await
            .expect("xadd");
    }
}
