//! The event relay: a durable, ordered log of verification events (`log` trait with `memory_log`,
//! `sqlite_log` and `redis_log`), the hub that owns fan-out (`hub`), one stream per subscriber
//! (`subscription`), opaque cursors (`cursor`) and the proto encoding (`encode`).
pub mod cursor;
pub mod encode;
pub mod follow;
pub mod hub;
pub mod log;
pub mod memory_log;
pub mod model;
pub mod owners;
pub mod redis_log;
pub mod sqlite_log;
pub mod subscription;
