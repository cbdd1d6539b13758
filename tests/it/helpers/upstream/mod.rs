//! Scripted stand-in for Atelio's REST API: records every request and answers
//! from a script; tests assert method, path, query, headers and body.
//!
//! [`FakeUpstream::start`] binds `127.0.0.1:0` before it returns, so it is
//! ready at once. Paths in scripts and in [`Recorded`] are relative to the
//! `/api/v0.1` prefix of [`FakeUpstream::base_url`]. Requests nothing matches
//! get `599 {"Message":"unscripted request","Status":599}`. A
//! [`Reply::drop_connection`] makes the connection's stream fail, so hyper
//! closes it without sending a byte. Recorded, Reply and the script cursor
//! live in `upstream_script.rs` beside this file.
#![allow(dead_code)] // each test binary uses only part of this helper
mod script;

pub use script::{Recorded, Reply, ReplyBody};

use std::{
    io,
    net::SocketAddr,
    pin::Pin,
    sync::atomic::{AtomicBool, Ordering},
    sync::{Arc, Mutex, MutexGuard},
    task::{Context, Poll},
};

use axum::{
    extract::{ConnectInfo, Request, State, connect_info::Connected},
    response::Response,
    serve::{IncomingStream, Listener},
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

const PREFIX: &str = "/api/v0.1";

#[derive(Default)]
struct Shared {
    requests: Vec<Recorded>,
    scripts: script::Scripts,
}

/// The fake server; it stops accepting and closes idle connections on drop.
pub struct FakeUpstream {
    addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl FakeUpstream {
    /// Binds `127.0.0.1:0` and serves from a spawned task; ready on return.
    pub async fn start() -> FakeUpstream {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local_addr of fake upstream");
        let shared = Arc::new(Mutex::new(Shared::default()));
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        let (shutdown, stop) = oneshot::channel::<()>();
        let serve = axum::serve(
            KillableListener(listener),
            app.into_make_service_with_connect_info::<Kill>(),
        )
        .with_graceful_shutdown(async move { stop.await.unwrap_or(()) });
        tokio::spawn(async move { serve.await.unwrap_or(()) });
        FakeUpstream {
            addr,
            shared,
            shutdown: Some(shutdown),
        }
    }

    /// `http://127.0.0.1:PORT/api/v0.1`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}{PREFIX}", self.addr)
    }

    /// Scripts replies for requests whose method and relative path match exactly;
    /// replies are used in order, the last one repeats forever. Scripting the same
    /// method and path again replaces the earlier script.
    pub fn on(&self, method: &str, path: &str, replies: Vec<Reply>) {
        self.script(method, path, false, replies);
    }

    /// Same, but matches any path starting with the prefix. Exact scripts win,
    /// then the longest prefix.
    pub fn on_prefix(&self, method: &str, prefix: &str, replies: Vec<Reply>) {
        self.script(method, prefix, true, replies);
    }

    /// Every request so far, in arrival order (scripted or not).
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// How many requests had this method and exactly this relative path (query ignored).
    pub fn hits(&self, method: &str, path: &str) -> usize {
        let shared = self.lock();
        let hit = |r: &&Recorded| r.method.eq_ignore_ascii_case(method) && r.path == path;
        shared.requests.iter().filter(hit).count()
    }

    pub fn count(&self) -> usize {
        self.lock().requests.len()
    }

    /// Forgets the recorded requests; scripts stay.
    pub fn clear(&self) {
        self.lock().requests.clear();
    }

    fn script(&self, method: &str, path: &str, prefix: bool, replies: Vec<Reply>) {
        self.lock().scripts.set(method, path, prefix, replies);
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        lock(&self.shared)
    }
}

impl Drop for FakeUpstream {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn handle(
    State(shared): State<Arc<Mutex<Shared>>>,
    ConnectInfo(kill): ConnectInfo<Kill>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let full = parts.uri.path();
    let path = match full.strip_prefix(PREFIX) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => full,
    };
    let recorded = Recorded {
        method: parts.method.to_string(),
        path: path.to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body: axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default(),
    };
    let reply = {
        let mut shared = lock(&shared);
        let reply = shared.scripts.next(&recorded.method, &recorded.path);
        shared.requests.push(recorded);
        reply
    };
    tokio::time::sleep(reply.delay).await;
    if matches!(reply.body, ReplyBody::Drop) {
        kill.0.store(true, Ordering::SeqCst); // the stream now fails, so hyper closes it unanswered
    }
    reply.response().expect("replies are checked when scripted")
}

/// A per-connection switch: once set, the connection's stream fails every call.
#[derive(Debug, Clone, Default)]
struct Kill(Arc<AtomicBool>);

impl Connected<IncomingStream<'_, KillableListener>> for Kill {
    fn connect_info(stream: IncomingStream<'_, KillableListener>) -> Self {
        stream.remote_addr().clone()
    }
}

struct KillableListener(TcpListener);

impl Listener for KillableListener {
    type Io = KillableStream;
    type Addr = Kill;

    async fn accept(&mut self) -> (KillableStream, Kill) {
        let (stream, _) = Listener::accept(&mut self.0).await;
        let kill = Kill::default();
        (
            KillableStream {
                stream,
                kill: kill.clone(),
            },
            kill,
        )
    }

    fn local_addr(&self) -> io::Result<Kill> {
        Ok(Kill::default())
    }
}

struct KillableStream {
    stream: TcpStream,
    kill: Kill,
}

impl KillableStream {
    fn alive(&mut self) -> io::Result<Pin<&mut TcpStream>> {
        match self.kill.0.load(Ordering::SeqCst) {
            true => Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "dropped by script",
            )),
            false => Ok(Pin::new(&mut self.stream)),
        }
    }
}

impl AsyncRead for KillableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.alive()?.poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.alive()?.poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.alive()?.poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.alive()?.poll_shutdown(cx)
    }
}
