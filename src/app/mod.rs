//! Assembles the running gateway: `App::build` validates config, opens the idempotency store,
//! assembles the outbound pipeline, binds the gRPC listener (port 0 works; the bound address is
//! exposed) and wires health, reflection (v1 and v1alpha), gzip, message-size limits and the
//! default deadline around the three services. `run_until_stopped` serves until the given
//! shutdown future completes; background tasks (record purge, breaker → health) stop with it.
mod components;

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::codec::CompressionEncoding;
use tonic::transport::Server;

use crate::config::{self, Config, ConfigError};
use crate::grpc::Gateway;
use crate::idempotency::{SystemClock, WallClock};
use crate::proto::{
    FILE_DESCRIPTOR_SET,
    v1::{
        beneficial_owner_service_server::BeneficialOwnerServiceServer,
        business_service_server::BusinessServiceServer,
        customer_service_server::CustomerServiceServer,
    },
};
use crate::upstream::breaker::BreakerState;

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration is invalid (exit code 2).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A listener could not be bound or a component failed to build.
    #[error("{0}")]
    Startup(String),
}

/// A gateway with its listener bound, ready to serve.
pub struct App {
    listener: TcpListener,
    grpc_addr: SocketAddr,
    gateway: Gateway,
    config: Config,
}

impl App {
    /// Validates `config`, builds the components and binds the gRPC listener.
    pub async fn build(config: Config) -> Result<App, StartError> {
        App::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// Same, with the wall clock the idempotency store uses (tests move time with it).
    pub async fn build_with_clock(
        config: Config,
        clock: Arc<dyn WallClock>,
    ) -> Result<App, StartError> {
        let creds = config::validate(&config)?;
        let upstream = components::upstream(&config, &creds)?;
        let idempotency = components::idempotency(&config, clock).await?;
        let gateway = Gateway::new(
            upstream,
            idempotency,
            config.server.default_deadline(),
            config.upstream.default_program_id.clone(),
        );
        let listener = TcpListener::bind(config.server.grpc_addr)
            .await
            .map_err(|e| {
                StartError::Startup(format!("cannot bind {}: {e}", config.server.grpc_addr))
            })?;
        let grpc_addr = listener
            .local_addr()
            .map_err(|e| StartError::Startup(e.to_string()))?;
        Ok(App {
            listener,
            grpc_addr,
            gateway,
            config,
        })
    }

    /// The bound gRPC address.
    pub fn grpc_addr(&self) -> SocketAddr {
        self.grpc_addr
    }

    /// Serves until `shutdown` completes, then drains in-flight calls.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartError> {
        let max = self.config.server.max_message_bytes;
        let (reporter, health) = tonic_health::server::health_reporter();
        let v1 = reflection_builder()
            .build_v1()
            .map_err(|e| StartError::Startup(e.to_string()))?;
        let v1alpha = reflection_builder()
            .build_v1alpha()
            .map_err(|e| StartError::Startup(e.to_string()))?;
        let gw = self.gateway.clone();
        let customers = CustomerServiceServer::new(gw.clone());
        let businesses = BusinessServiceServer::new(gw.clone());
        let owners = BeneficialOwnerServiceServer::new(gw);
        reporter
            .set_serving::<CustomerServiceServer<Gateway>>()
            .await;
        reporter
            .set_serving::<BusinessServiceServer<Gateway>>()
            .await;
        reporter
            .set_serving::<BeneficialOwnerServiceServer<Gateway>>()
            .await;
        let purge = tokio::spawn(components::purge_loop(
            gw_store(&self.gateway),
            Duration::from_secs(self.config.idempotency.purge_interval_s),
        ));
        let health_task = tokio::spawn(breaker_to_health(self.gateway.clone(), reporter.clone()));
        tracing::info!(grpc_addr = %self.grpc_addr, "gateway serving");
        let served = Server::builder()
            .timeout(self.config.server.default_deadline())
            .http2_keepalive_interval(Some(Duration::from_secs(30)))
            .add_service(health)
            .add_service(v1)
            .add_service(v1alpha)
            .add_service(limits!(customers, max))
            .add_service(limits!(businesses, max))
            .add_service(limits!(owners, max))
            .serve_with_incoming_shutdown(TcpListenerStream::new(self.listener), shutdown)
            .await
            .map_err(|e| StartError::Startup(format!("gRPC server failed: {e}")));
        purge.abort();
        health_task.abort();
        served
    }
}

fn gw_store(gw: &Gateway) -> Arc<dyn crate::idempotency::IdempotencyStore> {
    gw.idempotency().store()
}

/// The Atelio services report NOT_SERVING while the circuit breaker is open (Atelio is failing);
/// the overall status ("") stays SERVING because the process itself is healthy and restarting
/// or unreadying every replica would not bring Atelio back.
async fn breaker_to_health(gw: Gateway, reporter: tonic_health::server::HealthReporter) {
    let mut states = gw.upstream().breaker().subscribe();
    loop {
        let status = match *states.borrow_and_update() {
            BreakerState::Open => tonic_health::ServingStatus::NotServing,
            _ => tonic_health::ServingStatus::Serving,
        };
        for name in SERVICE_NAMES {
            reporter.set_service_status(name, status).await;
        }
        if states.changed().await.is_err() {
            return;
        }
    }
}

/// The fully-qualified names of the Atelio-facing services (health keys).
pub const SERVICE_NAMES: [&str; 3] = [
    "atelio.gateway.v1.CustomerService",
    "atelio.gateway.v1.BusinessService",
    "atelio.gateway.v1.BeneficialOwnerService",
];

/// gzip both ways and explicit message-size limits on a generated service.
macro_rules! limits {
    ($svc:expr, $max:expr) => {
        $svc.accept_compressed(CompressionEncoding::Gzip)
            .send_compressed(CompressionEncoding::Gzip)
            .max_decoding_message_size($max)
            .max_encoding_message_size($max)
    };
}
use limits;

fn reflection_builder() -> tonic_reflection::server::Builder<'static> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
}
