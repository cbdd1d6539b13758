//! The admin listener, separate from gRPC and webhooks: `/metrics` (Prometheus text format),
//! `/livez` (the process answers) and `/readyz` (ready to take traffic: 503 once shutdown has
//! begun, so a load balancer drains the pod before the listeners close).
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

async fn readyz(State(draining): State<watch::Receiver<bool>>) -> (StatusCode, &'static str) {
    if *draining.borrow() {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting down")
    } else {
        (StatusCode::OK, "ready")
    }
}

/// Serves the admin routes until the stop flag is set (and a moment after, for the last scrape).
pub async fn serve(listener: TcpListener, phases: Phases) -> Result<(), StartError> {
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::server("admin listener", e))?;
    tracing::info!(admin_addr = %addr, "admin listener serving (/metrics, /livez, /readyz)");
    let router = Router::new()
        .route("/metrics", get(metrics))
        .route("/livez", get(livez))
        .route("/readyz", get(readyz))
        .with_state(phases.draining);
    axum::serve(listener, router)
        .with_graceful_shutdown(stopped(phases.stop))
        .await
        .map_err(|e| StartError::server("admin listener failed", e))
}
