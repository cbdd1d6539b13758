//! The caller table: who holds which token and may call which methods. Built from `[auth]`
//! inline callers plus the tokens file; every entry is checked (name shape, token strength,
//! known service names, no token shared by two callers) so a typo fails loudly at load time.
//! Tokens are kept only as SHA-256 digests.
use std::{collections::HashMap, sync::Arc};

use figment::providers::Format;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::config::CallerEntry;

/// The gRPC services that need a token (health and reflection are open).
pub const PROTECTED_SERVICES: [&str; 4] = [
    "atelio.gateway.v1.CustomerService",
    "atelio.gateway.v1.BusinessService",
    "atelio.gateway.v1.BeneficialOwnerService",
    "atelio.gateway.v1.VerificationEventService",
];

/// Shortest clear-text token accepted (guessing must stay hopeless).
const MIN_TOKEN_LEN: usize = 16;

/// A methods pattern: everything, a whole service, or one method.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Pattern {
    All,
    Service(String),
    Method(String),
}

impl Pattern {
    fn parse(raw: &str) -> Result<Pattern, String> {
        if raw == "*" {
            return Ok(Pattern::All);
        }
        let (service, method) = raw.split_once('/').ok_or_else(|| {
            format!("method pattern {raw:?} is not `*`, `Service/*` or `Service/Method`")
        })?;
        if !PROTECTED_SERVICES.contains(&service) {
            return Err(format!(
                "method pattern {raw:?}: unknown service {service:?}"
            ));
        }
        match method {
            "*" => Ok(Pattern::Service(service.to_string())),
            m if !m.is_empty() && m.chars().all(|c| c.is_ascii_alphanumeric()) => {
                Ok(Pattern::Method(raw.to_string()))
            }
            _ => Err(format!("method pattern {raw:?}: bad method name")),
        }
    }

    fn allows(&self, method: &str) -> bool {
        match self {
            Pattern::All => true,
            Pattern::Service(s) => method
                .strip_prefix(s.as_str())
                .is_some_and(|rest| rest.starts_with('/')),
            Pattern::Method(m) => m == method,
        }
    }
}

/// One authenticated caller and what it may do.
#[derive(Debug)]
pub struct CallerRights {
    /// The caller's name.
    pub name: Arc<str>,
    patterns: Vec<Pattern>,
}

impl CallerRights {
    /// Whether `method` (`pkg.Service/Method`) is allowed.
    pub fn allows(&self, method: &str) -> bool {
        self.patterns.iter().any(|p| p.allows(method))
    }
}

/// Token digest → caller.
#[derive(Debug, Default)]
pub struct CallerTable {
    by_digest: HashMap<[u8; 32], Arc<CallerRights>>,
}

/// The tokens file: `[[caller]]` entries.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensFile {
    #[serde(default)]
    caller: Vec<CallerEntry>,
}

/// The SHA-256 of a presented token.
pub fn digest(token: &str) -> [u8; 32] {
    digest_bytes(token.as_bytes())
}

/// The SHA-256 of some bytes (also the tokens file's change fingerprint).
pub fn digest_bytes(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

impl CallerTable {
    /// The caller holding `token`, if any.
    pub fn lookup(&self, token: &str) -> Option<Arc<CallerRights>> {
        self.by_digest.get(&digest(token)).cloned()
    }

    /// How many tokens are known.
    pub fn len(&self) -> usize {
        self.by_digest.len()
    }

    /// Whether no token is known.
    pub fn is_empty(&self) -> bool {
        self.by_digest.is_empty()
    }

    /// Builds the table from inline entries plus the text of a tokens file (TOML).
    pub fn build(inline: &[CallerEntry], file_text: Option<&str>) -> Result<CallerTable, String> {
        let mut entries = inline.to_vec();
        if let Some(text) = file_text {
            let parsed: TokensFile = figment::Figment::from(figment::providers::Toml::string(text))
                .extract()
                .map_err(|e| format!("tokens file: {}", safe_error(&e)))?;
            if parsed.caller.is_empty() {
                // Empty, or caught mid-write: never a reason to lock every caller out.
                return Err("tokens file: no [[caller]] entry".to_string());
            }
            entries.extend(parsed.caller);
        }
        let mut table = CallerTable::default();
        for entry in &entries {
            let (key, rights) = rights(entry)?;
            if table.by_digest.insert(key, Arc::new(rights)).is_some() {
                return Err(format!(
                    "caller {:?}: token already used by another caller",
                    entry.name
                ));
            }
        }
        Ok(table)
    }
}

/// A parse error without values (a TOML error quotes the offending line, maybe a token).
fn safe_error(e: &figment::Error) -> String {
    use figment::error::Kind;
    let at = e.path.join(".");
    match &e.kind {
        k @ (Kind::MissingField(_) | Kind::UnknownField(..) | Kind::DuplicateField(_)) => {
            format!("{k} at {at:?}")
        }
        _ => format!("not valid TOML, or a value of the wrong type at {at:?}"),
    }
}

fn rights(entry: &CallerEntry) -> Result<([u8; 32], CallerRights), String> {
    let name = &entry.name;
    let good_name = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !good_name {
        return Err(format!(
            "caller name {name:?}: use 1-64 of A-Z a-z 0-9 . _ -"
        ));
    }
    let key = match (&entry.token, &entry.token_sha256) {
        (Some(t), None) if t.expose().len() >= MIN_TOKEN_LEN => digest(t.expose()),
        (Some(_), None) => {
            return Err(format!(
                "caller {name:?}: token shorter than {MIN_TOKEN_LEN}"
            ));
        }
        (None, Some(h)) => hex::decode(h.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| format!("caller {name:?}: token_sha256 is not 64 hex digits"))?,
        _ => {
            return Err(format!(
                "caller {name:?}: give exactly one of token, token_sha256"
            ));
        }
    };
    if entry.methods.is_empty() {
        return Err(format!("caller {name:?}: methods is empty"));
    }
    let patterns = entry
        .methods
        .iter()
        .map(|m| Pattern::parse(m).map_err(|e| format!("caller {name:?}: {e}")))
        .collect::<Result<_, _>>()?;
    Ok((
        key,
        CallerRights {
            name: Arc::from(name.as_str()),
            patterns,
        },
    ))
}
