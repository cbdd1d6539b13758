//! Upstream `Idempotency-Key`s. Every POST to Atelio carries a key derived deterministically
//! from the call's scope (caller, method, `request_id`), so a retried call — on any replica,
//! after any restart — presents the same key. Calls without a `request_id` get a fresh random
//! key, reused across that call's own attempts. A request's [`fingerprint`] tells a retry of
//! the same request from a different request under a reused `request_id`.
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::Fingerprint;

/// Namespace of the derived keys (a fixed random UUID; changing it changes every key).
const KEY_NAMESPACE: Uuid = Uuid::from_u128(0x5f1c_2a7e_9d3b_4e61_b8a0_7c42_e915_d0f3);

/// The upstream key for a scope. Same inputs, same key, forever.
pub fn derive_key(caller: &str, method: &str, request_id: &str) -> String {
    let scope = format!("{}\u{1f}{}\u{1f}{}", caller, method, request_id);
    Uuid::new_v5(&KEY_NAMESPACE, scope.as_bytes()).to_string()
}

/// The key for a call: derived when the caller gave a `request_id`, else fresh.
pub fn key_for(caller: &str, method: &str, request_id: &str) -> String {
    if request_id.is_empty() {
        Uuid::new_v4().to_string()
    } else {
        derive_key(caller, method, request_id)
    }
}

/// SHA-256 over the method and the encoded request: equal requests, equal fingerprints.
pub fn fingerprint<M: prost::Message>(method: &str, req: &M) -> Fingerprint {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update([0u8]);
    h.update(req.encode_to_vec());
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_scope_always_gives_the_same_key() {
        assert_eq!(derive_key("a", "M", "r1"), derive_key("a", "M", "r1"));
    }

    #[test]
    fn any_part_of_the_scope_changes_the_key() {
        let k = derive_key("a", "M", "r1");
        assert_ne!(k, derive_key("b", "M", "r1"));
        assert_ne!(k, derive_key("a", "N", "r1"));
        assert_ne!(k, derive_key("a", "M", "r2"));
    }

    #[test]
    fn calls_without_request_id_get_distinct_keys() {
        assert_ne!(key_for("a", "M", ""), key_for("a", "M", ""));
    }
}
