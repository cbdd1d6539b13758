//! The two servers: gRPC (health, reflection v1 + v1alpha, gzip, size limits, default deadline,
//! connection cap, admission control, HTTP/2 keepalive and age, the Atelio services and the
//! events service) and the webhook HTTP/1.1 listener (axum routes on `listen::serve_http1`).
use std::sync::Arc;

use tokio::{net::TcpListener, sync::watch};
use tonic::{
    codec::CompressionEncoding,
    transport::{Server, ServerTlsConfig},
};

use super::listen::{self, Slots, Timeouts};
use super::{StartError, health, lifecycle::Phases, stopped};
use crate::admission::{Admission, AdmissionLayer, Limits};
use crate::auth::{Authenticator, layer::AuthLayer};
use crate::config::Config;
use crate::events::hub::Hub;
use crate::grpc::{Gateway, events::EventsApi};
use crate::proto::{
    FILE_DESCRIPTOR_SET,
    v1::{
        beneficial_owner_service_server::BeneficialOwnerServiceServer,
        business_service_server::BusinessServiceServer,
        customer_service_server::CustomerServiceServer,
        verification_event_service_server::VerificationEventServiceServer,
    },
};
use crate::webhook::{self, WebhookState};

/// gzip both ways and explicit message-size limits on a generated service.
macro_rules! limits {
    ($svc:expr, $max:expr) => {
        $svc.accept_compressed(CompressionEncoding::Gzip)
            .send_compressed(CompressionEncoding::Gzip)
            .max_decoding_message_size($max)
            .max_encoding_message_size($max)
    };
}

fn reflection_builder() -> tonic_reflection::server::Builder<'static> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
}

/// What guards the gRPC listener: caller authentication and TLS, each optional.
pub struct Guard {
    /// The caller authenticator (`None`: `auth.mode = "off"`).
    pub auth: Option<Arc<Authenticator>>,
    /// TLS, with client certificates when a client CA is configured.
    pub tls: Option<ServerTlsConfig>,
    /// Whether the shared Redis answers (`None`: no Redis in use).
    pub redis_up: Option<watch::Receiver<bool>>,
    /// Whether the managed webhook subscription is ensured (`None`: not managed).
    pub subscription: Option<watch::Receiver<bool>>,
}

/// Serves gRPC until the stop flag is set.
pub async fn grpc(
    listener: TcpListener,
    (gw, guard): (Gateway, Guard),
    hub: Arc<Hub>,
    cfg: &Config,
    phases: Phases,
) -> Result<(), StartError> {
    let stop = phases.stop;
    let max = cfg.server.max_message_bytes;
    let reflection = |e| StartError::server("gRPC reflection", e);
    let v1 = reflection_builder().build_v1().map_err(reflection)?;
    let v1alpha = reflection_builder().build_v1alpha().map_err(reflection)?;
    let events = EventsApi {
        hub,
        heartbeat: cfg.events.heartbeat(),
        shutdown: stop.clone(),
        mirror: gw.mirror().cloned(),
    };
    let (health, health_task) = health::serve(health::Inputs {
        breaker: gw.upstream().breaker().subscribe(),
        draining: phases.draining,
        redis_up: guard.redis_up,
        subscription: guard.subscription,
    })
    .await;
    tracing::info!(grpc_addr = %listener.local_addr().map_err(|e| StartError::server("gRPC listener", e))?, "gateway serving");
    let mut builder = Server::builder();
    if let Some(tls) = guard.tls {
        builder = builder
            .tls_config(tls.timeout(cfg.server.tls_handshake_timeout()))
            .map_err(|e| StartError::server("server.tls", e))?;
    }
    let (ping, ping_timeout) = cfg.server.keepalive();
    let (age, age_grace) = cfg.server.connection_age();
    let slots = Slots::new("grpc", cfg.server.max_connections);
    let served = builder
        .trace_fn(crate::telemetry::grpc_span)
        .layer(AuthLayer::new(guard.auth))
        .layer(AdmissionLayer::new(admission(cfg, stop.clone())))
        .timeout(cfg.server.default_deadline())
        .max_concurrent_streams(cfg.server.max_concurrent_streams)
        .http2_keepalive_interval(Some(ping))
        .http2_keepalive_timeout(Some(ping_timeout))
        .max_connection_age(age)
        .max_connection_age_grace(age_grace)
        .add_service(health)
        .add_service(v1)
        .add_service(v1alpha)
        .add_service(limits!(CustomerServiceServer::new(gw.clone()), max))
        .add_service(limits!(BusinessServiceServer::new(gw.clone()), max))
        .add_service(limits!(BeneficialOwnerServiceServer::new(gw), max))
        .add_service(limits!(VerificationEventServiceServer::new(events), max))
        .serve_with_incoming_shutdown(listen::incoming(listener, slots), stopped(stop))
        .await
        .map_err(|e| StartError::server("gRPC server failed", e));
    health_task.abort();
    served
}

/// The admission bounds of the gRPC listener.
fn admission(cfg: &Config, stop: watch::Receiver<bool>) -> Arc<Admission> {
    let limits = Limits {
        in_flight: cfg.server.max_in_flight,
        in_flight_per_caller: cfg.server.max_in_flight_per_caller,
        subscriptions: cfg.events.max_subscriptions,
        subscriptions_per_caller: cfg.events.max_subscriptions_per_caller,
        health_watches: cfg.server.max_health_watches,
        stall_after: cfg.events.stall_timeout(),
    };
    Admission::new(limits, stop)
}

/// How many webhook threads share the listener: one per core, at most two (one is plenty for
/// Atelio's rate; the second absorbs bursts on a multi-core node).
fn webhook_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(2))
}

/// Serves the webhook listener until the stop flag is set, on threads of its own, each with a
/// single-threaded runtime accepting from the same socket: a webhook is read, verified, stored
/// and answered on one thread (the store runs a lone job on its caller's thread), with no
/// hand-off between executor threads, and a webhook burst cannot take the gRPC executor's
/// threads from RPCs and streams.
pub async fn webhook(
    listener: TcpListener,
    state: Arc<WebhookState>,
    cfg: &Config,
    stop: watch::Receiver<bool>,
) -> Result<(), StartError> {
    let router = webhook::router(
        state,
        cfg.webhook.max_body_bytes,
        cfg.webhook.request_timeout(),
    );
    let startup = |e: std::io::Error| StartError::server("webhook listener", e);
    tracing::info!(webhook_addr = %listener.local_addr().map_err(startup)?, path = webhook::WEBHOOK_PATH, "webhook listener serving");
    let listener = listener.into_std().map_err(startup)?;
    let (idle, header) = cfg.webhook.connection_timeouts();
    let limits = (
        Slots::new("webhook", cfg.webhook.max_connections),
        Timeouts { idle, header },
    );
    let mut finished = Vec::new();
    for i in 0..webhook_threads() {
        let (done, result) = tokio::sync::oneshot::channel();
        let (listener, router, stop) = (
            listener.try_clone().map_err(startup)?,
            router.clone(),
            stop.clone(),
        );
        let limits = limits.clone();
        std::thread::Builder::new()
            .name(format!("webhook-rt-{i}"))
            .spawn(move || {
                let _ = done.send(serve_webhooks(listener, router, limits, stop));
            })
            .map_err(startup)?;
        finished.push(result);
    }
    let mut outcome = Ok(());
    for result in finished {
        let served = result
            .await
            .unwrap_or_else(|_| Err(StartError::server("webhook listener", "a thread panicked")));
        outcome = outcome.and(served);
    }
    outcome
}

fn serve_webhooks(
    listener: std::net::TcpListener,
    router: axum::Router,
    limits: (Slots, Timeouts),
    stop: watch::Receiver<bool>,
) -> Result<(), StartError> {
    let failed = |e: std::io::Error| StartError::server("webhook listener failed", e);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(failed)?;
    runtime.block_on(async move {
        let listener = TcpListener::from_std(listener).map_err(failed)?;
        listen::serve_http1(listener, router, limits, stop).await;
        Ok(())
    })
}
