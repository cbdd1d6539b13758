//! Storage: the durable engines behind the per-concern store traits (idempotency records now, the
//! event log later). [`SqliteDb`] is the embedded default: one file in WAL mode, written by one
//! dedicated thread that group-commits the jobs async callers send it.
pub mod sqlite;

pub use sqlite::SqliteDb;

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
