//! Graceful shutdown, in phases. On the signal the gateway first *drains*: gRPC health turns
//! NOT_SERVING and `/readyz` 503, so load balancers and Kubernetes move traffic away (for
//! `shutdown.drain_delay_ms`). Then it *stops*: listeners stop accepting, event streams end with
//! UNAVAILABLE and in-flight unary calls finish. Last the stores are *flushed*: each SQLite
//! thread finishes its queue, checkpoints and closes. All of it is bounded by
//! `shutdown.grace_s`; past that the remaining work is abandoned and start-up's caller gets an
//! error (exit code 1).
use std::{future::Future, pin::Pin, time::Duration};

use tokio::sync::watch;

/// Resolves when a store has written everything and closed its file.
pub type Closer = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The two shutdown phases as flags that turn true once.
#[derive(Clone)]
pub struct Phases {
    /// Health NOT_SERVING, `/readyz` 503; still serving.
    pub draining: watch::Receiver<bool>,
    /// Listeners stop, streams end, in-flight calls finish.
    pub stop: watch::Receiver<bool>,
}

/// Spawns the task that turns `signal` into the two phases, `drain_delay` apart.
pub fn sequence(
    signal: impl Future<Output = ()> + Send + 'static,
    drain_delay: Duration,
) -> Phases {
    let (drain_tx, draining) = watch::channel(false);
    let (stop_tx, stop) = watch::channel(false);
    tokio::spawn(async move {
        signal.await;
        tracing::info!("shutting down: health NOT_SERVING, /readyz 503");
        let _ = drain_tx.send(true);
        tokio::time::sleep(drain_delay).await;
        tracing::info!("shutting down: listeners closed, ending streams, draining calls");
        let _ = stop_tx.send(true);
    });
    Phases { draining, stop }
}

/// Resolves `grace` after draining began.
pub async fn grace_expired(mut draining: watch::Receiver<bool>, grace: Duration) {
    if draining.wait_for(|d| *d).await.is_err() {
        return std::future::pending().await;
    }
    tokio::time::sleep(grace).await;
}

/// Waits (at most `within`) for every store to flush and close.
pub async fn flush(closers: Vec<Closer>, within: Duration) {
    let all = async {
        for c in closers {
            c.await;
        }
    };
    if tokio::time::timeout(within, all).await.is_err() {
        tracing::warn!("stores did not close in time; their last writes are in the WAL");
    } else {
        tracing::info!("stores flushed and closed");
    }
}

/// Completes on SIGINT or SIGTERM (the shutdown future of `serve`, `sandbox` and `demo`).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutdown signal received");
}
