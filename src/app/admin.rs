//! The admin listener, separate from gRPC and webhooks: `/metrics` (Prometheus text format),
//! `/livez` (liveness: the process answers; never the health of Redis or Atelio, so an outage
//! of either restarts nothing) and `/readyz` (readiness: can do its work: 503 while the shared
//! Redis does not answer, and once shutdown has begun, so a load balancer drains the pod before
//! the listeners close). An open circuit breaker leaves the pod ready: every replica shares the
//! same Atelio, and unreadying them all would only turn slow errors into no service.
use axum::{Router, extract::State, http::StatusCode, response::IntoResponse, routing::get};
use tokio::{net::TcpListener, sync::watch};

use super::{StartError, lifecycle::Phases, stopped};

async fn metrics() -> impl IntoResponse {
    (
        [("content-type", "text/plain; version=0.0.4; charset=utf-8")],
        crate::metrics::get().render(),
    )
}

async fn livez() -> &'static str {
    "ok"
}

/// What readiness follows.
#[derive(Clone)]
struct Readiness {
    draining: watch::Receiver<bool>,
    /// Whether the shared Redis answers (`None`: no Redis in use).
    redis_up: Option<watch::Receiver<bool>>,
}

async fn readyz(State(r): State<Readiness>) -> (StatusCode, &'static str) {
    if *r.draining.borrow() {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting down")
    } else if r.redis_up.as_ref().is_some_and(|up| !*up.borrow()) {
        (StatusCode::SERVICE_UNAVAILABLE, "redis unavailable")
    } else {
        (StatusCode::OK, "ready")
    }
}

/// Serves the admin routes until the stop flag is set (and a moment after, for the last scrape).
pub async fn serve(
    listener: TcpListener,
    phases: Phases,
    redis_up: Option<watch::Receiver<bool>>,
) -> Result<(), StartError> {
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::server("admin listener", e))?;
    tracing::info!(admin_addr = %addr, "admin listener serving (/metrics, /livez, /readyz)");
    let router = Router::new()
        .route("/metrics", get(metrics))
        .route("/livez", get(livez))
        .route("/readyz", get(readyz))
        .with_state(Readiness {
            draining: phases.draining,
            redis_up,
        });
    axum::serve(listener, router)
        .with_graceful_shutdown(stopped(phases.stop))
        .await
        .map_err(|e| StartError::server("admin listener failed", e))
}
