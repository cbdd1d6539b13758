//! Accepting connections: the backoff after a failed accept and the open-connection cap.
use std::{
    io,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use crate::admission::{ConnInfo, ConnectionCloser};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::{OwnedSemaphorePermit, Semaphore},
};

/// The first pause after a failed accept; it doubles up to [`MAX_PAUSE`] and resets on success.
const FIRST_PAUSE: Duration = Duration::from_millis(5);
/// The longest pause between failed accepts.
const MAX_PAUSE: Duration = Duration::from_secs(1);

/// The accept loop's pause after errors that are not about one connection.
#[derive(Debug)]
struct Backoff {
    listener: &'static str,
    pause: Duration,
}

impl Backoff {
    /// A backoff for the listener named `listener` (a metric label).
    fn new(listener: &'static str) -> Backoff {
        Backoff {
            listener,
            pause: FIRST_PAUSE,
        }
    }

    /// A connection was accepted: the next error pauses briefly again.
    fn reset(&mut self) {
        self.pause = FIRST_PAUSE;
    }

    /// After a failed accept: nothing for an error about the one connection (it reset before
    /// it was accepted); otherwise counts, logs and sleeps, doubling the next pause. Out of
    /// file descriptors, retrying at once would spin a core and starve every other task.
    async fn after(&mut self, e: &io::Error) {
        if is_connection_error(e) {
            return;
        }
        crate::metrics::get()
            .overload
            .accept_errors
            .with_label_values(&[self.listener])
            .inc();
        tracing::warn!(listener = self.listener, error = %e, pause_ms = self.pause.as_millis() as u64, "accept failed; backing off");
        tokio::time::sleep(self.pause).await;
        self.pause = (self.pause * 2).min(MAX_PAUSE);
    }
}

fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// The open-connection cap of one listener, shared by its accept loops.
#[derive(Clone, Debug)]
pub struct Slots {
    listener: &'static str,
    free: Arc<Semaphore>,
}

impl Slots {
    /// At most `max` open connections on the listener named `listener`.
    pub fn new(listener: &'static str, max: usize) -> Slots {
        Slots {
            listener,
            free: Arc::new(Semaphore::new(max)),
        }
    }

    /// A slot for a just-accepted connection, or `None` (counted) when all are taken: the caller
    /// drops the connection at once, which frees its descriptor and tells the client to retry.
    pub fn take(&self) -> Option<Slot> {
        let metrics = &crate::metrics::get().overload;
        match self.free.clone().try_acquire_owned() {
            Ok(permit) => {
                metrics
                    .connections_open
                    .with_label_values(&[self.listener])
                    .inc();
                Some(Slot {
                    listener: self.listener,
                    _permit: permit,
                })
            }
            Err(_) => {
                metrics
                    .connections_refused
                    .with_label_values(&[self.listener, "max_connections"])
                    .inc();
                None
            }
        }
    }
}

/// One open connection's place under the cap, given back when dropped.
#[derive(Debug)]
pub struct Slot {
    listener: &'static str,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Slot {
    fn drop(&mut self) {
        crate::metrics::get()
            .overload
            .connections_open
            .with_label_values(&[self.listener])
            .dec();
    }
}

/// A gRPC connection: holds its slot for as long as it is open, and fails its next read once
/// its close switch is thrown (admission cuts a connection whose subscriber stopped reading).
#[derive(Debug)]
pub struct Held {
    tcp: TcpStream,
    closer: ConnectionCloser,
    _slot: Slot,
}

/// A listener's accept loop: Nagle off (small frames go out at once instead of waiting for a
/// delayed ACK), a slot per connection (one beyond the cap is closed at once), accept errors
/// backed off. Dropping it closes the listener.
pub struct Acceptor {
    listener: TcpListener,
    slots: Slots,
    backoff: Backoff,
}

impl Acceptor {
    /// Accepts on `listener` under `slots`.
    pub fn new(listener: TcpListener, slots: Slots) -> Acceptor {
        let backoff = Backoff::new(slots.listener);
        Acceptor {
            listener,
            slots,
            backoff,
        }
    }

    /// The next connection and its slot (cancel-safe).
    pub async fn next(&mut self) -> (TcpStream, Slot) {
        loop {
            match self.listener.accept().await {
                Ok((tcp, _)) => {
                    self.backoff.reset();
                    let Some(slot) = self.slots.take() else {
                        continue;
                    };
                    let _ = tcp.set_nodelay(true);
                    return (tcp, slot);
                }
                Err(e) => self.backoff.after(&e).await,
            }
        }
    }
}

/// The gRPC listener's connections, each holding its slot and its close switch.
pub fn incoming(
    listener: TcpListener,
    slots: Slots,
) -> impl tokio_stream::Stream<Item = io::Result<Held>> {
    async_stream::stream! {
        let mut acceptor = Acceptor::new(listener, slots);
        loop {
            let (tcp, slot) = acceptor.next().await;
            yield Ok(Held { tcp, closer: ConnectionCloser::default(), _slot: slot });
        }
    }
}

impl tonic::transport::server::Connected for Held {
    type ConnectInfo = ConnInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        ConnInfo {
            tcp: tonic::transport::server::Connected::connect_info(&self.tcp),
            closer: self.closer.clone(),
        }
    }
}

impl AsyncRead for Held {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.closer.poll_closed(cx) {
            return Poll::Ready(Err(io::ErrorKind::ConnectionAborted.into()));
        }
        std::pin::Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Held {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        std::pin::Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.tcp).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        std::pin::Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }
}
