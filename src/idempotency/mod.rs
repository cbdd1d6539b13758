//! Idempotency on the way out (architecture §3): a mutating RPC with a `request_id` runs at most
//! once per scope (caller, method, `request_id`). `step` is the coordinator (begin → proceed /
//! replay / wait / mismatch; store or release the outcome); `store` is the trait with its
//! `memory`, `sqlite` and `redis_store` backends; `key` derives the upstream `Idempotency-Key`.
pub mod key;
pub mod memory;
pub mod outcome;
pub mod redis_store;
pub mod sqlite;
pub mod step;
pub mod store;

pub use key::{derive_key, key_for};
pub use step::{Idempotency, Marks, RequestId, mark_recovered, marked};
pub use store::{
    Begin, Fingerprint, IdempotencyStore, ManualClock, Outcome, StoreError, SystemClock, WallClock,
};

#[cfg(test)]
mod store_tests;
