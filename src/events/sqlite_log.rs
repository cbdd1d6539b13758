//! The event log in SQLite (embedded default): events, dedupe keys and the latest sequence live
//! in one WAL file (shareable with the idempotency tables) and survive restarts. Every operation
//! is one job on the [`SqliteDb`] thread, so an append's dedupe check, insert and `latest` update
//! commit together or not at all; a second connection to the same file (another `open`) is
//! serialised by SQLite's write lock, which every job takes (`BEGIN IMMEDIATE`).
use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, params};

use super::log::{
    Appended, Bounds, Clock, EventLog, Filter, LogError, NewEvent, Retention, StoredEvent,
};
use crate::storage::{SqliteDb, StorageError};

#[path = "sqlite_log_query.rs"]
mod query;

/// The schema; idempotent, run on every open. `event_meta.latest` is the highest sequence ever
/// assigned, so sequences never go back even when retention empties `events`.
const MIGRATION: &str = "
CREATE TABLE IF NOT EXISTS events (
    sequence INTEGER PRIMARY KEY,
    received_at INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    subject_type INTEGER NOT NULL,
    subject_id TEXT,
    payload BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS events_subject
    ON events (subject_type, subject_id, sequence);
CREATE TABLE IF NOT EXISTS event_dedupe (
    key TEXT PRIMARY KEY,
    sequence INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS event_dedupe_expires_at
    ON event_dedupe (expires_at);
CREATE TABLE IF NOT EXISTS event_meta (
    name TEXT PRIMARY KEY,
    value INTEGER
);
INSERT OR IGNORE INTO event_meta (name, value)
    VALUES ('latest', (SELECT COALESCE(MAX(sequence), 0) FROM events));
";

/// An [`EventLog`] in a SQLite file.
#[derive(Clone)]
pub struct SqliteLog {
    db: SqliteDb,
    retention: Retention,
    clock: Arc<dyn Clock>,
}

impl SqliteLog {
    /// Opens (or creates) the log at `path`. Blocks: call before the runtime starts or through
    /// `spawn_blocking`.
    pub fn open(
        path: &Path,
        retention: Retention,
        clock: Arc<dyn Clock>,
    ) -> Result<SqliteLog, LogError> {
        let db = SqliteDb::open(path, &[MIGRATION]).map_err(unavailable)?;
        Ok(SqliteLog {
            db,
            retention,
            clock,
        })
    }

    /// Runs `job` on the database thread with the clock's `now`, read there so it is ordered with
    /// the other jobs.
    async fn run<T, F>(&self, job: F) -> Result<T, LogError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, i64) -> rusqlite::Result<T> + Send + 'static,
    {
        let clock = Arc::clone(&self.clock);
        self.db
            .call(move |conn| job(conn, clock.now_ms()))
            .await
            .map_err(unavailable)
    }
}

#[async_trait::async_trait]
impl EventLog for SqliteLog {
    async fn append(&self, e: NewEvent) -> Result<Appended, LogError> {
        let retention = self.retention;
        self.run(move |conn, now| append(conn, e, now, retention))
            .await
    }

    async fn read_after(
        &self,
        after: u64,
        filter: &Filter,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, LogError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let Some(select) = query::Select::new(after, filter, limit) else {
            return self.scan_after(after, filter, limit).await;
        };
        self.run(move |conn, _| select.run(conn)).await
    }

    async fn get(&self, sequence: u64) -> Result<Option<StoredEvent>, LogError> {
        self.run(move |conn, _| query::get(conn, sequence)).await
    }

    async fn bounds(&self) -> Result<Bounds, LogError> {
        self.run(|conn, _| {
            let oldest = conn
                .prepare_cached("SELECT MIN(sequence) FROM events")?
                .query_row([], |row| row.get(0))?;
            Ok(Bounds {
                oldest,
                latest: latest(conn)?,
            })
        })
        .await
    }

    async fn enforce_retention(&self) -> Result<u64, LogError> {
        let retention = self.retention;
        self.run(move |conn, now| enforce(conn, now, retention))
            .await
    }
}

impl SqliteLog {
    /// `read_after` for a filter too large to bind: pages through the log (one job per page, so
    /// appends interleave) and filters here.
    async fn scan_after(
        &self,
        mut after: u64,
        filter: &Filter,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, LogError> {
        let mut found = Vec::new();
        loop {
            let page = query::Select::all(after, query::SCAN_PAGE);
            let rows = self.run(move |conn, _| page.run(conn)).await?;
            let end = rows.len() < query::SCAN_PAGE;
            after = rows.last().map_or(after, |r| r.sequence);
            let wanted = rows
                .into_iter()
                .filter(|e| filter.matches(e.kind, &e.subject));
            found.extend(wanted.take(limit - found.len()));
            if end || found.len() == limit {
                return Ok(found);
            }
        }
    }
}

/// `append` as one job: dedupe check, insert, `latest` update, key remembered.
fn append(
    conn: &Connection,
    e: NewEvent,
    now: i64,
    retention: Retention,
) -> rusqlite::Result<Appended> {
    let sql = "SELECT d.sequence, EXISTS (SELECT 1 FROM events WHERE sequence = d.sequence)
               FROM event_dedupe d WHERE d.key = ?1 AND d.expires_at > ?2";
    let seen: Option<(u64, bool)> = conn
        .prepare_cached(sql)?
        .query_row(params![e.dedupe_key, now], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((first, retained)) = seen {
        return Ok(Appended::Duplicate(if retained { first } else { 0 }));
    }
    let sequence = latest(conn)? + 1;
    let (subject_type, subject_id) = query::subject_columns(&e.subject);
    let sql = "INSERT INTO events (sequence, received_at, kind, subject_type, subject_id, payload)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    let values = params![
        sequence,
        e.received_at_ms.unwrap_or(now),
        e.kind.code(),
        subject_type,
        subject_id,
        &e.payload[..]
    ];
    conn.prepare_cached(sql)?.execute(values)?;
    let sql = "INSERT INTO event_meta (name, value) VALUES ('latest', ?1)
               ON CONFLICT (name) DO UPDATE SET value = excluded.value";
    conn.prepare_cached(sql)?.execute([sequence])?;
    let sql = "INSERT OR REPLACE INTO event_dedupe (key, sequence, expires_at) VALUES (?1, ?2, ?3)";
    let until = retention.dedupe_until(now);
    conn.prepare_cached(sql)?
        .execute(params![e.dedupe_key, sequence, until])?;
    Ok(Appended::New(sequence))
}

/// The highest sequence ever assigned.
fn latest(conn: &Connection) -> rusqlite::Result<u64> {
    let sql = "SELECT COALESCE(MAX(value), 0) FROM event_meta WHERE name = 'latest'";
    conn.prepare_cached(sql)?.query_row([], |row| row.get(0))
}

/// Retention as one job; returns events removed.
fn enforce(conn: &Connection, now: i64, retention: Retention) -> rusqlite::Result<u64> {
    // By age: everything before the first event young enough to keep (a prefix, like the deque).
    let sql = "DELETE FROM events WHERE sequence < COALESCE(
                 (SELECT sequence FROM events WHERE received_at >= ?1 ORDER BY sequence LIMIT 1),
                 ?2)";
    let by_age = conn
        .prepare_cached(sql)?
        .execute(params![retention.age_cutoff(now), i64::MAX])?;
    let sql = "DELETE FROM events WHERE sequence <= ?1";
    let by_count = conn
        .prepare_cached(sql)?
        .execute([retention.count_cutoff(latest(conn)?)])?;
    let sql = "DELETE FROM event_dedupe WHERE expires_at <= ?1";
    conn.prepare_cached(sql)?.execute([now])?;
    Ok(u64::try_from(by_age + by_count).unwrap_or(u64::MAX))
}

fn unavailable(error: StorageError) -> LogError {
    LogError::Unavailable(error.to_string())
}

#[cfg(test)]
#[path = "sqlite_log_tests.rs"]
mod tests;
