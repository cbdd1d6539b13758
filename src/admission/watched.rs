//! A response body that holds its admission [`Place`] for as long as the stream lives and, for
//! event streams, reports stalls: a frame handed to HTTP/2 and not followed by the next poll for
//! `stall` means the subscriber's flow-control window stays shut (it stopped reading). The
//! watchdog then closes the connection, so the stream frees its memory and never holds
//! shutdown (after stop, a stall of one second is enough).
use std::{
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use http_body::{Body, Frame, SizeHint};
use tokio::{sync::watch, time::Instant};

use super::{closer::ConnectionCloser, counts::Place};

/// After stop, a stream stalled this long is cut.
const STALL_WHILE_STOPPING: Duration = Duration::from_secs(1);

/// A stream's progress, shared with its watchdog.
#[derive(Debug)]
struct Progress {
    start: Instant,
    /// Milliseconds after `start` (plus one) at which a frame was yielded and no poll followed;
    /// 0 while the stream is waiting on the gateway (nothing owed to the subscriber).
    owed_since: AtomicU64,
    done: AtomicBool,
}

impl Progress {
    fn owed_for(&self) -> Option<Duration> {
        let since = self.owed_since.load(Ordering::Acquire);
        let now = self.start.elapsed().as_millis() as u64 + 1;
        (since != 0).then(|| Duration::from_millis(now.saturating_sub(since)))
    }
}

/// A response body under admission.
pub struct Watched<B> {
    inner: B,
    _place: Place,
    progress: Option<Arc<Progress>>,
}

/// How a stalled stream is noticed and cut.
pub struct Stall {
    /// No progress for this long ends the stream.
    pub after: Duration,
    /// The connection to close.
    pub closer: ConnectionCloser,
    /// The gateway's stop flag.
    pub stop: watch::Receiver<bool>,
}

impl<B> Watched<B> {
    /// `inner` holding `place`; with `stall`, watched for stalls by a task of its own.
    pub fn new(inner: B, place: Place, stall: Option<Stall>) -> Watched<B> {
        let progress = stall.map(|stall| {
            let progress = Arc::new(Progress {
                start: Instant::now(),
                owed_since: AtomicU64::new(0),
                done: AtomicBool::new(false),
            });
            tokio::spawn(watchdog(progress.clone(), stall));
            progress
        });
        Watched {
            inner,
            _place: place,
            progress,
        }
    }
}

async fn watchdog(progress: Arc<Progress>, mut stall: Stall) {
    let mut limit = stall.after;
    let tick = (stall.after / 4).max(Duration::from_millis(10));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(tick) => {}
            _ = stall.stop.wait_for(|s| *s), if limit != STALL_WHILE_STOPPING => {
                limit = limit.min(STALL_WHILE_STOPPING);
            }
        }
        if progress.done.load(Ordering::Acquire) {
            return;
        }
        if progress.owed_for().is_some_and(|owed| owed >= limit) {
            crate::metrics::get()
                .overload
                .streams_ended
                .with_label_values(&["stalled"])
                .inc();
            tracing::warn!(
                stalled_ms = limit.as_millis() as u64,
                "event subscriber stopped reading; closing its connection (it resumes from its last cursor)"
            );
            stall.closer.close();
            return;
        }
    }
}

impl<B> Drop for Watched<B> {
    fn drop(&mut self) {
        if let Some(p) = &self.progress {
            p.done.store(true, Ordering::Release);
        }
    }
}

impl<B: Body + Unpin> Body for Watched<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Some(p) = &self.progress {
            let owed = match &polled {
                Poll::Ready(Some(Ok(_))) => p.start.elapsed().as_millis() as u64 + 1,
                _ => 0,
            };
            p.owed_since.store(owed, Ordering::Release);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
