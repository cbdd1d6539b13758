//! A minimal keep-alive HTTP/1.1 client for the load generator (like wrk): one TCP
//! connection, Nagle off, one request in flight, so the generator costs little of the CPU it
//! shares with the gateway on this machine.
// Shared by several benchmarks, each using part of it.
#![allow(dead_code)]

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct Conn {
    stream: TcpStream,
    host: String,
    path: String,
    buf: Vec<u8>,
    req: Vec<u8>,
}

impl Conn {
    /// Connects to `http://host:port/path`.
    pub async fn open(url: &str) -> Conn {
        Self::try_open(url).await.expect("connect")
    }

    /// Connects, reporting a failure instead of panicking.
    pub async fn try_open(url: &str) -> std::io::Result<Conn> {
        let rest = url.strip_prefix("http://").expect("http url");
        let (host, path) = rest.split_at(rest.find('/').expect("path"));
        let stream = TcpStream::connect(host).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            host: host.to_string(),
            path: path.to_string(),
            buf: Vec::with_capacity(1024),
            req: Vec::with_capacity(1024),
        })
    }

    /// POSTs a JSON body with one extra header; returns the status code.
    pub async fn post(&mut self, header: (&str, &str), body: &[u8]) -> u16 {
        self.send("POST", &[header], body).await
    }

    /// GETs `path` (relative to the connection's path) with extra headers; returns the status.
    pub async fn get(&mut self, path: &str, headers: &[(&str, &str)]) -> u16 {
        let base = std::mem::take(&mut self.path);
        self.path = format!("{base}{path}");
        let status = self.send("GET", headers, b"").await;
        self.path = base;
        status
    }

    async fn send(&mut self, method: &str, headers: &[(&str, &str)], body: &[u8]) -> u16 {
        self.prepare(method, headers, body);
        self.exchange().await.expect("the gateway answers")
    }

    fn prepare(&mut self, method: &str, headers: &[(&str, &str)], body: &[u8]) {
        self.req.clear();
        let mut head = format!("{method} {} HTTP/1.1\r\nhost: {}\r\n", self.path, self.host);
        if !body.is_empty() {
            head.push_str("content-type: application/json\r\n");
        }
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
        self.req.extend_from_slice(head.as_bytes());
        self.req.extend_from_slice(body);
    }

    /// POSTs like [`Conn::post`], but reports a broken connection instead of panicking.
    pub async fn try_post(&mut self, header: (&str, &str), body: &[u8]) -> std::io::Result<u16> {
        self.prepare("POST", &[header], body);
        self.exchange().await
    }

    async fn exchange(&mut self) -> std::io::Result<u16> {
        self.stream.write_all(&self.req).await?;
        self.read_response().await
    }

    async fn read_response(&mut self) -> std::io::Result<u16> {
        self.buf.clear();
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buf[..end]).expect("ascii head");
                let status: u16 = head[9..12].parse().expect("status");
                let len = content_length(head);
                while self.buf.len() < end + 4 + len {
                    self.fill().await?;
                }
                return Ok(status);
            }
            self.fill().await?;
        }
    }

    async fn fill(&mut self) -> std::io::Result<()> {
        let mut chunk = [0u8; 4096];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn content_length(head: &str) -> usize {
    head.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0)
}
