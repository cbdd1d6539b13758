//! Caller authentication on the gRPC listener. A tower layer (`layer`) in front of every
//! service reads `authorization: Bearer <token>`, finds the caller in the current
//! `CallerTable` and checks the method against its patterns; health and reflection stay open.
//! The caller's name rides in the request extensions to `grpc::Gateway::call`, where it becomes
//! the idempotency scope and the span/metric label. The table is re-read when the tokens file
//! changes (`watch`); a bad edit is refused and the previous table stays.
pub mod layer;
pub mod table;

use std::{
    path::PathBuf,
    sync::{Arc, RwLock},
};

use http::HeaderMap;

use crate::config::{AuthConfig, CallerEntry, ConfigError};
pub use table::{CallerRights, CallerTable};

/// Caller name when caller authentication is off (or a path is open).
pub const ANONYMOUS_CALLER: &str = "anonymous";

/// The authenticated caller of one request (in the request extensions).
#[derive(Clone, Debug)]
pub struct Caller(pub Arc<str>);

/// Why a call was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No token, a malformed header or an unknown token.
    #[error("missing or unknown bearer token")]
    Unauthenticated,
    /// A known caller calling a method it is not allowed.
    #[error("caller {caller} may not call {method}")]
    PermissionDenied {
        /// The caller's name.
        caller: Arc<str>,
        /// The refused method.
        method: String,
    },
}

/// The one mapping of auth failures to gRPC statuses, with ErrorInfo reasons
/// `UNAUTHENTICATED` and `PERMISSION_DENIED`.
pub fn to_status(e: &AuthError) -> tonic::Status {
    use tonic::Code;
    let (code, reason) = match e {
        AuthError::Unauthenticated => (Code::Unauthenticated, "UNAUTHENTICATED"),
        AuthError::PermissionDenied { .. } => (Code::PermissionDenied, "PERMISSION_DENIED"),
    };
    crate::status_info::gateway(code, reason, &e.to_string(), None)
}

/// Whether a gRPC path is open to everyone (health checks and reflection).
fn is_open(path: &str) -> bool {
    path.starts_with("/grpc.health.v1.Health/") || path.starts_with("/grpc.reflection.")
}

/// The current caller table and where it comes from.
pub struct Authenticator {
    table: RwLock<Arc<CallerTable>>,
    inline: Vec<CallerEntry>,
    file: Option<PathBuf>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("callers", &self.current().len())
            .field("file", &self.file)
            .finish()
    }
}

impl Authenticator {
    /// Loads the table from `[auth]` (inline callers and the tokens file); at least one caller.
    pub fn load(cfg: &AuthConfig) -> Result<Authenticator, ConfigError> {
        let auth = Authenticator {
            table: RwLock::new(Arc::default()),
            inline: cfg.callers.clone(),
            file: cfg.tokens_file.clone(),
        };
        let key = if auth.file.is_some() {
            "auth.tokens_file"
        } else {
            "auth.callers"
        };
        let table = auth.read().map_err(|e| ConfigError::new(key, e))?;
        if table.is_empty() {
            return Err(ConfigError::new(
                key,
                "auth.mode = \"tokens\" needs at least one caller (auth.tokens_file or \
                 auth.callers); set auth.mode = \"off\" to run without caller authentication",
            ));
        }
        *auth.table.write().expect("auth table lock") = Arc::new(table);
        Ok(auth)
    }

    /// Builds a fresh table from the sources.
    fn read(&self) -> Result<CallerTable, String> {
        let text = match &self.file {
            Some(p) => Some(
                std::fs::read_to_string(p)
                    .map_err(|e| format!("cannot read file: {}", e.kind()))?,
            ),
            None => None,
        };
        CallerTable::build(&self.inline, text.as_deref())
    }

    /// The table in force.
    pub fn current(&self) -> Arc<CallerTable> {
        self.table.read().expect("auth table lock").clone()
    }

    /// Re-reads the sources; on success the new table takes effect for the next call.
    pub fn reload(&self) -> Result<usize, String> {
        let table = self.read()?;
        let n = table.len();
        *self.table.write().expect("auth table lock") = Arc::new(table);
        Ok(n)
    }

    /// The tokens file, if any (watched for changes).
    pub fn file(&self) -> Option<&std::path::Path> {
        self.file.as_deref()
    }

    /// Decides one request: `Ok(None)` for open paths, `Ok(Some(caller))` when allowed.
    pub fn check(&self, path: &str, headers: &HeaderMap) -> Result<Option<Caller>, AuthError> {
        if is_open(path) {
            return Ok(None);
        }
        let token = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(AuthError::Unauthenticated)?;
        let rights = self
            .current()
            .lookup(token)
            .ok_or(AuthError::Unauthenticated)?;
        let method = path.trim_start_matches('/');
        if rights.allows(method) {
            Ok(Some(Caller(rights.name.clone())))
        } else {
            Err(AuthError::PermissionDenied {
                caller: rights.name.clone(),
                method: method.to_string(),
            })
        }
    }
}

/// Polls the tokens file every `every` and reloads when its contents change (`crate::reload`).
/// Runs until aborted. A failed reload is logged (without contents) and counted; the old table
/// stays.
pub async fn watch(auth: Arc<Authenticator>, every: std::time::Duration) {
    let Some(path) = auth.file().map(PathBuf::from) else {
        return;
    };
    let outcomes = &crate::metrics::get().auth_reloads;
    crate::reload::watch_file(&path, every, "auth.tokens_file", outcomes, || auth.reload()).await;
}

/// `watch` when there is an authenticator; returns at once otherwise.
pub async fn watch_opt(auth: Option<Arc<Authenticator>>, every: std::time::Duration) {
    if let Some(auth) = auth {
        watch(auth, every).await;
    }
}
