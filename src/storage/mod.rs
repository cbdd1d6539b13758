//! Storage: the durable engines behind the per-concern store traits (idempotency records and the
//! event log). [`SqliteDb`] is the embedded default: one file in WAL mode and one writing
//! connection, run by its callers when free and by a database thread under contention, with
//! group commit and checkpoints off the callers' path.
pub mod redis_conn;
pub mod redis_connect;
pub mod redis_health;
mod redis_sentinel;
#[cfg(any(test, feature = "test-util"))]
pub mod redis_server;
pub mod schema;
pub mod sqlite;

pub use redis_conn::RedisConn;
pub use sqlite::{SqliteDb, Synchronous};

/// Why a storage call failed. The messages name causes, never the data being stored.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database thread stopped")]
    Closed,
    #[error("cannot open database: {0}")]
    Open(String),
}
