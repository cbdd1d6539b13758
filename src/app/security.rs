//! What guards the gRPC listener, built from config at start: the caller authenticator (unless
//! `auth.mode = "off"`) and the TLS settings (mTLS when a client CA is given). Both fail start-up
//! with the offending key, never with file contents.
use std::{path::Path, sync::Arc, time::Duration};

use tonic::transport::{Certificate, Identity, ServerTlsConfig};

use super::StartError;
use crate::auth::Authenticator;
use crate::config::{AuthMode, Config, ConfigError};

/// The authenticator, or `None` when `auth.mode = "off"`. An unset mode means `tokens`.
pub fn authenticator(cfg: &Config) -> Result<Option<Arc<Authenticator>>, StartError> {
    match cfg.auth.mode.unwrap_or(AuthMode::Tokens) {
        AuthMode::Off => {
            tracing::warn!("caller authentication is off (auth.mode = \"off\")");
            Ok(None)
        }
        AuthMode::Tokens => Ok(Some(Arc::new(Authenticator::load(&cfg.auth)?))),
    }
}

/// How often the tokens file is checked.
pub fn reload_interval(cfg: &Config) -> Duration {
    cfg.auth.reload_interval()
}

fn read(key: &str, path: &Path) -> Result<Vec<u8>, StartError> {
    std::fs::read(path)
        .map_err(|e| ConfigError::new(key, format!("cannot read file: {}", e.kind())).into())
}

/// The TLS settings of the gRPC listener, if configured.
pub fn tls(cfg: &Config) -> Result<Option<ServerTlsConfig>, StartError> {
    let Some(t) = &cfg.server.tls else {
        return Ok(None);
    };
    let identity = Identity::from_pem(
        read("server.tls.cert_file", &t.cert_file)?,
        read("server.tls.key_file", &t.key_file)?,
    );
    let mut tls = ServerTlsConfig::new().identity(identity);
    if let Some(ca) = &t.client_ca_file {
        let ca = read("server.tls.client_ca_file", ca)?;
        tls = tls.client_ca_root(Certificate::from_pem(ca));
    }
    Ok(Some(tls))
}
