//! Idempotency storage: a mutating RPC with a `request_id` runs at most once per scope (caller,
//! method, `request_id`). The RPC-level coordinator that drives it is `grpc::idempotent`; this
//! layer knows nothing of gRPC. `store` is the trait with its `memory`, `sqlite` and
//! `redis_store` backends; `key` derives the upstream `Idempotency-Key` and the request
//! fingerprint.
pub mod key;
pub mod memory;
pub mod redis_store;
pub mod sqlite;
pub mod store;

pub use key::{derive_key, fingerprint, key_for};
#[cfg(any(test, feature = "test-util"))]
pub use store::ManualClock;
pub use store::{
    Begin, Fingerprint, IdempotencyStore, Outcome, StoreError, SystemClock, WallClock,
};

#[cfg(test)]
mod store_tests;
