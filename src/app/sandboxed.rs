//! `serve --sandbox`: the gateway and the Atelio sandbox emulator in one process, wired the way
//! a real deployment is: the gateway's upstream is the emulator (loopback, its own API key), and
//! a webhook subscription for `kyc.*` and `kyb.*` is created on the emulator, whose `whsec_…`
//! secret the gateway accepts, then pointed at the gateway's webhook listener once it is bound.
use std::net::{Ipv4Addr, SocketAddr};

use tokio::net::TcpListener;

use super::{App, StartError};
use crate::config::{Config, Secret};
use crate::sandbox::{self, SandboxConfig, SandboxHandle};

/// The events the wiring subscribes to.
pub const SUBSCRIBED: [&str; 2] = ["kyc.*", "kyb.*"];

/// A gateway in front of its own emulator.
pub struct Sandboxed {
    pub app: App,
    pub sandbox: SandboxHandle,
}

/// The address to reach a listener bound to `addr` from this machine.
fn loopback(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        SocketAddr::from((Ipv4Addr::LOCALHOST, addr.port()))
    } else {
        addr
    }
}

/// `serve --sandbox` without `--sandbox-expose`: every listener configured on all interfaces
/// moves to 127.0.0.1, same port (the sandbox runs without caller authentication). Addresses
/// naming an interface are kept: that is being told otherwise.
pub fn keep_on_loopback(config: &mut Config) {
    let listeners = [
        ("server.grpc_addr", &mut config.server.grpc_addr),
        ("webhook.listen_addr", &mut config.webhook.listen_addr),
        ("admin.listen_addr", &mut config.admin.listen_addr),
    ];
    for (key, addr) in listeners {
        if addr.ip().is_unspecified() {
            *addr = SocketAddr::from((Ipv4Addr::LOCALHOST, addr.port()));
            tracing::info!(key, %addr, "sandbox: listener kept on loopback (--sandbox-expose to keep all interfaces)");
        }
    }
}

/// Starts the emulator on `sandbox_addr` and builds the gateway in front of it.
pub async fn build(
    mut config: Config,
    sandbox_cfg: SandboxConfig,
    sandbox_addr: SocketAddr,
) -> Result<Sandboxed, StartError> {
    let startup = |e: std::io::Error| StartError::server("sandbox", e);
    let listener = TcpListener::bind(sandbox_addr).await.map_err(startup)?;
    let (identity, authorization) = (
        sandbox_cfg.identity.clone(),
        sandbox_cfg.authorization.clone(),
    );
    let sandbox = sandbox::start(sandbox_cfg, listener).map_err(startup)?;
    config.upstream.base_url = sandbox.base_url();
    // The sandbox is for one machine: caller authentication is off unless configured.
    config.auth.mode.get_or_insert(crate::config::AuthMode::Off);
    config.upstream.identity = Some(Secret::new(identity));
    config.upstream.identity_file = None;
    config.upstream.authorization = Some(Secret::new(authorization));
    config.upstream.authorization_file = None;
    // Outcomes a lost webhook hid show up within seconds, not half a minute.
    config.mirror.first_poll_ms = config.mirror.first_poll_ms.min(1_000);
    config.mirror.max_poll_interval_ms = config.mirror.max_poll_interval_ms.min(5_000);
    // Atelio's order: the subscription (and its secret) first, its URL set once known.
    let sub = sandbox.subscribe("http://127.0.0.1:9/unset", &SUBSCRIBED);
    config.webhook.secrets.push(Secret::new(sub.secret.clone()));
    let app = App::build(config).await?;
    let url = format!(
        "http://{}{}",
        loopback(app.webhook_addr()),
        crate::webhook::WEBHOOK_PATH
    );
    sandbox.set_url(&sub.id, &url);
    tracing::info!(upstream = %sandbox.base_url(), "gateway wired to the Atelio sandbox emulator");
    Ok(Sandboxed { app, sandbox })
}
