//! Connection deadlines of the HTTP/1.1 webhook port, kept by the connection's own IO: a
//! connection that is idle (nothing received since it opened or since its last answer went
//! out) is closed after `idle`; one whose request header has begun but not ended (`\r\n\r\n`)
//! is closed `header` after its first byte. Once the header is in, the request's own time limit
//! (`webhook.request_timeout_ms`) takes over. hyper's own header timer starts when the
//! connection starts waiting, so it cannot tell an idle keep-alive connection from a slow
//! header; this does.
use std::{
    io,
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    time::{Instant, Sleep},
};

/// The two deadlines.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// Longest wait for the first byte of a request.
    pub idle: Duration,
    /// Longest time from a request's first byte to the end of its header.
    pub header: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for a request since the instant.
    Idle(Instant),
    /// A header began at the instant; `tail` holds how much of `\r\n\r\n` was last seen.
    Header(Instant, usize),
    /// The header is in: the request's own time limit applies.
    Busy,
}

/// An IO with the deadlines.
pub struct Deadlined<T> {
    io: T,
    limits: Timeouts,
    phase: Phase,
    timer: Pin<Box<Sleep>>,
    /// The listener's name, for the metric counting the close.
    listener: &'static str,
}

impl<T> Deadlined<T> {
    /// `io` accepted on `listener`, idle from now.
    pub fn new(io: T, limits: Timeouts, listener: &'static str) -> Deadlined<T> {
        let now = Instant::now();
        Deadlined {
            io,
            limits,
            phase: Phase::Idle(now),
            timer: Box::pin(tokio::time::sleep_until(now + limits.idle)),
            listener,
        }
    }

    fn saw(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let (started, mut matched) = match self.phase {
            Phase::Idle(_) => (Instant::now(), 0),
            Phase::Header(at, matched) => (at, matched),
            Phase::Busy => return,
        };
        for &b in bytes {
            matched = match (matched, b) {
                (0 | 2, b'\r') => matched + 1,
                (1 | 3, b'\n') => matched + 1,
                (_, b'\r') => 1,
                _ => 0,
            };
            if matched == 4 {
                self.phase = Phase::Busy;
                return;
            }
        }
        self.phase = Phase::Header(started, matched);
    }

    /// The deadline of the current phase and its name, if it has one.
    fn deadline(&self) -> Option<(Instant, &'static str)> {
        match self.phase {
            Phase::Idle(since) => Some((since + self.limits.idle, "idle_timeout")),
            Phase::Header(since, _) => Some((since + self.limits.header, "header_read_timeout")),
            Phase::Busy => None,
        }
    }

    /// Sets the timer to the current phase's deadline and registers the task's waker; the
    /// deadline's name once it has passed.
    fn armed(&mut self, cx: &mut Context<'_>) -> Option<&'static str> {
        let (at, why) = self.deadline()?;
        if self.timer.deadline() != at {
            self.timer.as_mut().reset(at);
        }
        self.timer.as_mut().poll(cx).is_ready().then_some(why)
    }

    /// While reading would wait: the deadline's error once it has passed (counted, and the
    /// connection is done with deadlines). hyper closes an idle connection's read error
    /// quietly, so the count is kept here.
    fn expired(&mut self, cx: &mut Context<'_>) -> Option<io::Error> {
        let why = self.armed(cx)?;
        self.phase = Phase::Busy;
        crate::metrics::get()
            .overload
            .connections_closed
            .with_label_values(&[self.listener, why])
            .inc();
        tracing::debug!(listener = self.listener, reason = why, "connection closed");
        Some(io::Error::new(io::ErrorKind::TimedOut, why))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Deadlined<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                self.saw(&buf.filled()[before..]);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => match self.expired(cx) {
                Some(e) => Poll::Ready(Err(e)),
                None => Poll::Pending,
            },
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Deadlined<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.io).poll_write(cx, buf);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            self.phase = Phase::Idle(Instant::now());
            // hyper waits for the socket after an answer without reading again, so the idle
            // timer is armed here, on the connection's task (the next read reports it).
            let _ = self.armed(cx);
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Deadlined<()> {
        let t = Duration::from_secs(1);
        Deadlined::new((), Timeouts { idle: t, header: t }, "test")
    }

    #[tokio::test]
    async fn the_header_ends_at_the_blank_line_even_split_across_reads() {
        let mut c = conn();
        c.saw(b"POST / HTTP/1.1\r\nHost: x\r");
        assert!(matches!(c.phase, Phase::Header(_, 1)));
        c.saw(b"\n\r");
        assert!(matches!(c.phase, Phase::Header(_, 3)));
        c.saw(b"\nbody");
        assert_eq!(c.phase, Phase::Busy);
    }

    #[tokio::test]
    async fn a_lone_line_break_is_not_the_end_of_the_header() {
        let mut c = conn();
        c.saw(b"POST / HTTP/1.1\r\n");
        c.saw(b"X: \r\r\n");
        assert!(matches!(c.phase, Phase::Header(_, 2)));
        assert!(
            c.deadline()
                .is_some_and(|(_, why)| why == "header_read_timeout")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_peer_and_a_half_header_each_meet_their_deadline() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let limits = Timeouts {
            idle: Duration::from_secs(5),
            header: Duration::from_secs(2),
        };
        for (sent, why) in [
            (&b""[..], "idle_timeout"),
            (b"POST / HT", "header_read_timeout"),
        ] {
            let (near, mut far) = tokio::io::duplex(64);
            far.write_all(sent).await.unwrap();
            let mut c = Deadlined::new(near, limits, "test");
            let mut buf = [0u8; 64];
            let mut read = c.read(&mut buf).await;
            if !sent.is_empty() {
                read = c.read(&mut buf).await;
            }
            let e = read.expect_err("the deadline fires");
            assert_eq!(
                (e.kind(), e.to_string()),
                (io::ErrorKind::TimedOut, why.into())
            );
        }
    }
}
