//! Assembles the running gateway. `App::build` validates config, opens the stores (idempotency
//! records, event log), assembles the outbound pipeline and binds the listeners — gRPC, the
//! webhook HTTP listener and the admin listener (metrics, probes) — so port 0 works and the bound
//! addresses are exposed.
//! `run_until_stopped` serves both until the shutdown future completes: streams then end with
//! UNAVAILABLE, in-flight calls drain, background tasks (record purge, retention, breaker →
//! health) stop.
mod admin;
mod components;
mod health;
mod lifecycle;
mod listen;
mod mirroring;
pub mod subscribing;
pub use lifecycle::shutdown_signal;
pub mod sandboxed;
mod security;
mod server;

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use tokio::{net::TcpListener, sync::watch};

use crate::config::{self, Config, ConfigError};
use crate::events::hub::Hub;
use crate::grpc::Gateway;
use crate::idempotency::{SystemClock, WallClock};
use crate::webhook::{WebhookCounters, WebhookState, secrets::Secrets};

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration is invalid (exit code 2).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A listener could not be bound (`key` names the config key of the address).
    #[error("{key}: cannot bind {addr}: {source}")]
    Bind {
        /// The config key of the address.
        key: &'static str,
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A store could not be opened (`key` names the config key that chose it).
    #[error("{key}: {source}")]
    Store {
        /// The config key, e.g. `events.sqlite_path`.
        key: &'static str,
        /// Why.
        #[source]
        source: Cause,
    },
    /// A server or component failed (`what` names it).
    #[error("{what}: {source}")]
    Server {
        /// What failed, e.g. `webhook listener`.
        what: &'static str,
        /// Why.
        #[source]
        source: Cause,
    },
    /// Shutdown did not finish within `shutdown.grace_s`.
    #[error("shutdown took longer than shutdown.grace_s = {0}")]
    GraceExpired(u64),
}

/// A start-up failure's cause.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

impl StartError {
    /// A store failure under `key`.
    pub fn store(key: &'static str, e: impl Into<Cause>) -> Self {
        StartError::Store {
            key,
            source: e.into(),
        }
    }

    /// A server or component failure.
    pub fn server(what: &'static str, e: impl Into<Cause>) -> Self {
        StartError::Server {
            what,
            source: e.into(),
        }
    }
}

/// A gateway with its listeners bound, ready to serve.
pub struct App {
    grpc: TcpListener,
    webhook: TcpListener,
    admin: TcpListener,
    gateway: Gateway,
    hub: Arc<Hub>,
    webhook_state: Arc<WebhookState>,
    guard: server::Guard,
    closers: Vec<lifecycle::Closer>,
    tasks: Vec<components::Task>,
    config: Config,
}

async fn bind(addr: SocketAddr, key: &'static str) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind { key, addr, source })
}

impl App {
    /// Validates `config`, builds the components and binds the listeners.
    pub async fn build(config: Config) -> Result<App, StartError> {
        App::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// Same, with the wall clock the idempotency store uses (tests move time with it).
    pub async fn build_with_clock(
        config: Config,
        clock: Arc<dyn WallClock>,
    ) -> Result<App, StartError> {
        let creds = config::validate(&config)?;
        let fds = listen::fd_limit::raise();
        tracing::debug!(open_files_limit = fds, "file descriptor limit");
        let mut tasks = Vec::new();
        let (redis, redis_up) = components::redis(&config, &mut tasks).await?.unzip();
        let mut guard = server::Guard {
            auth: security::authenticator(&config)?,
            tls: security::tls(&config)?,
            redis_up,
            subscription: None,
        };
        let upstream = components::upstream(&config, &creds, redis.as_ref())?;
        let mut closers = Vec::new();
        let idempotency =
            components::idempotency(&config, clock, redis.as_ref(), &mut closers).await?;
        let owners = Arc::new(crate::events::owners::KnownOwners::default());
        let hub = components::hub(&config, redis.as_ref(), &mut closers, &mut tasks).await?;
        let mirror = mirroring::mirror(
            &config,
            redis.as_ref(),
            &hub,
            &upstream,
            &mut closers,
            &mut tasks,
        )
        .await?;
        let gateway = Gateway::new(
            upstream,
            idempotency,
            config.server.default_deadline(),
            config.upstream.default_program_id.clone(),
        )
        .with_known_owners(owners.clone());
        let gateway = match &mirror {
            Some(m) => gateway.with_mirror(m.clone()),
            None => gateway,
        };
        let secrets = Arc::new(Secrets::new(&creds.webhook_secrets, &config.webhook));
        let managed = subscribing::managed(&config, gateway.upstream(), &secrets, &mut tasks);
        let (bad_signature, subscription) = managed.unzip();
        guard.subscription = subscription;
        let webhook_state = Arc::new(WebhookState {
            secrets,
            hub: hub.clone(),
            counters: Arc::new(WebhookCounters::default()),
            owners,
            mirror,
            bad_signature,
        });
        let grpc = bind(config.server.grpc_addr, "server.grpc_addr").await?;
        let webhook = bind(config.webhook.listen_addr, "webhook.listen_addr").await?;
        let admin = bind(config.admin.listen_addr, "admin.listen_addr").await?;
        Ok(App {
            grpc,
            webhook,
            admin,
            gateway,
            hub,
            webhook_state,
            guard,
            closers,
            tasks,
            config,
        })
    }

    /// The bound gRPC address.
    pub fn grpc_addr(&self) -> SocketAddr {
        self.grpc
            .local_addr()
            .unwrap_or(self.config.server.grpc_addr)
    }

    /// The bound webhook address.
    pub fn webhook_addr(&self) -> SocketAddr {
        self.webhook
            .local_addr()
            .unwrap_or(self.config.webhook.listen_addr)
    }

    /// The bound admin (metrics and probes) address.
    pub fn admin_addr(&self) -> SocketAddr {
        self.admin
            .local_addr()
            .unwrap_or(self.config.admin.listen_addr)
    }

    /// The webhook outcome counters.
    pub fn webhook_counters(&self) -> Arc<WebhookCounters> {
        self.webhook_state.counters.clone()
    }

    /// Serves every listener until `shutdown` completes, then shuts down in phases (see
    /// `lifecycle`): drain, stop, flush, all within `shutdown.grace_s`.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartError> {
        let cfg = self.config;
        let phases = lifecycle::sequence(shutdown, cfg.shutdown.drain_delay());
        let reload = security::reload_interval(&cfg);
        let mut background: Vec<_> = self.tasks.into_iter().map(tokio::spawn).collect();
        background.extend([
            tokio::spawn(crate::auth::watch_opt(self.guard.auth.clone(), reload)),
            tokio::spawn(crate::webhook::secrets::watch(
                self.webhook_state.secrets.clone(),
                reload,
            )),
            tokio::spawn(components::purge_loop(
                self.gateway.idempotency().store(),
                cfg.idempotency.purge_interval(),
            )),
            tokio::spawn(components::retention_loop(
                self.hub.clone(),
                cfg.events.retention_interval(),
            )),
        ]);
        let redis_up = self.guard.redis_up.clone();
        let admin = tokio::spawn(admin::serve(self.admin, phases.clone(), redis_up));
        let webhook = server::webhook(self.webhook, self.webhook_state, &cfg, phases.stop.clone());
        let grpc = server::grpc(
            self.grpc,
            (self.gateway, self.guard),
            self.hub,
            &cfg,
            phases.clone(),
        );
        let grace = cfg.shutdown.grace();
        let outcome = tokio::select! {
            (grpc, webhook) = async { tokio::join!(grpc, webhook) } => grpc.and(webhook),
            _ = lifecycle::grace_expired(phases.draining.clone(), grace) => Err(StartError::GraceExpired(cfg.shutdown.grace_s)),
        };
        for task in background {
            task.abort();
        }
        let _ = admin.await;
        lifecycle::flush(self.closers, Duration::from_secs(5).min(grace)).await;
        outcome
    }
}

/// Resolves once the stop flag is set.
pub(crate) async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}
