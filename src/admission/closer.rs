//! A connection's close switch, shared by the listener that owns the socket and the streams
//! that run on it: an event stream whose subscriber stopped reading cannot be ended from
//! inside HTTP/2 (its frames wait for flow-control credit that never comes, and its end would
//! wait behind them), so admission closes the connection instead.
use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};
use std::task::Context;

use futures_util::task::AtomicWaker;

/// Closes one connection from anywhere; cloning shares the switch.
#[derive(Clone, Debug, Default)]
pub struct ConnectionCloser {
    inner: Arc<Switch>,
}

#[derive(Debug, Default)]
struct Switch {
    closed: AtomicBool,
    waker: AtomicWaker,
}

impl ConnectionCloser {
    /// Closes the connection: its next read fails and every stream on it ends.
    pub fn close(&self) {
        self.inner.closed.store(true, Ordering::Release);
        self.inner.waker.wake();
    }

    /// Whether the connection was closed; otherwise registers `cx` to be woken when it is.
    pub fn poll_closed(&self, cx: &mut Context<'_>) -> bool {
        if self.inner.closed.load(Ordering::Acquire) {
            return true;
        }
        self.inner.waker.register(cx.waker());
        self.inner.closed.load(Ordering::Acquire)
    }
}

/// What the gRPC listener tells each request about its connection (the request extension
/// tonic makes from the connection): its peer and its close switch.
#[derive(Clone, Debug)]
pub struct ConnInfo {
    /// The TCP peer.
    pub tcp: tonic::transport::server::TcpConnectInfo,
    /// Closes the connection.
    pub closer: ConnectionCloser,
}

/// The close switch of the connection a request came on (plaintext or TLS), if known.
pub fn closer_of(ext: &http::Extensions) -> Option<ConnectionCloser> {
    use tonic::transport::server::TlsConnectInfo;
    ext.get::<ConnInfo>()
        .or_else(|| ext.get::<TlsConnectInfo<ConnInfo>>().map(|t| t.get_ref()))
        .map(|c| c.closer.clone())
}
