//! What `grpc.health.v1` reports. The Atelio services are NOT_SERVING while the circuit breaker
//! is open (Atelio is failing; the overall status "" stays SERVING, since restarting or
//! unreadying every replica would not bring Atelio back). Everything, "" included, is
//! NOT_SERVING while the shared Redis does not answer (no replica can keep its promises then) and,
//! for good, once shutdown begins.
use tokio::sync::watch;
use tonic_health::ServingStatus::{self, NotServing, Serving};

use super::server::{EVENTS_SERVICE, SERVICE_NAMES};
use crate::grpc::Gateway;
use crate::upstream::breaker::BreakerState;

async fn set_all(
    reporter: &tonic_health::server::HealthReporter,
    atelio: ServingStatus,
    rest: ServingStatus,
) {
    for name in SERVICE_NAMES {
        reporter.set_service_status(name, atelio).await;
    }
    for name in ["", EVENTS_SERVICE] {
        reporter.set_service_status(name, rest).await;
    }
}

async fn changed(rx: &mut Option<watch::Receiver<bool>>) -> bool {
    match rx {
        Some(rx) => rx.changed().await.is_ok(),
        None => std::future::pending().await,
    }
}

/// Keeps the health statuses in line with the breaker, Redis and shutdown until draining.
pub async fn track(
    gw: Gateway,
    reporter: tonic_health::server::HealthReporter,
    mut draining: watch::Receiver<bool>,
    mut redis_up: Option<watch::Receiver<bool>>,
) {
    let mut states = gw.upstream().breaker().subscribe();
    loop {
        let redis = redis_up.as_mut().is_none_or(|r| *r.borrow_and_update());
        let breaker_open = matches!(*states.borrow_and_update(), BreakerState::Open);
        let rest = if redis { Serving } else { NotServing };
        let atelio = if redis && !breaker_open {
            Serving
        } else {
            NotServing
        };
        set_all(&reporter, atelio, rest).await;
        tokio::select! {
            ok = states.changed() => if ok.is_err() { break },
            ok = changed(&mut redis_up) => if !ok { redis_up = None },
            _ = draining.wait_for(|d| *d) => break,
        }
    }
    let _ = draining.wait_for(|d| *d).await;
    set_all(&reporter, NotServing, NotServing).await;
}
