//! The event log in SQLite (embedded default): events, dedupe keys and the latest sequence live
//! in one WAL file (shareable with the idempotency tables) and survive restarts. Every operation
//! is one [`SqliteDb`] job, so an append's dedupe check and insert commit together or not at
//! all; a second connection to the same file (another `open`) is serialised by SQLite's write
//! lock, which every job takes (`BEGIN IMMEDIATE`).
use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, params};

use super::log::{
    Appended, Bounds, EventLog, Filter, LogError, NewEvent, Retention, StoredEvent, WallClock,
};
use crate::storage::{SqliteDb, StorageError, Synchronous, schema};
mod query;

// The schema (`storage::schema`, shared with the idempotency tables): an append writes one
// `events` row and its two index entries, nothing else (three pages per commit): the dedupe key
// lives on the event row while the event is kept, and moves to `event_dedupe` only when
// retention removes the event inside its window. `event_meta.latest` is written by retention
// before it deletes, so sequences never go back even when `events` is emptied.

/// An [`EventLog`] in a SQLite file.
#[derive(Clone)]
pub struct SqliteLog {
    db: SqliteDb,
    retention: Retention,
    clock: Arc<dyn WallClock>,
}

impl SqliteLog {
    /// Resolves once the log's database thread has flushed, checkpointed and closed the file
    /// (after the last handle is gone).
    pub fn stopped(&self) -> impl std::future::Future<Output = ()> + Send + use<> {
        self.db.stopped()
    }

    /// Opens (or creates) the log at `path`. Blocks: call before the runtime starts or through
    /// `spawn_blocking`.
    pub fn open(
        path: &Path,
        retention: Retention,
        clock: Arc<dyn WallClock>,
    ) -> Result<SqliteLog, LogError> {
        Self::open_with(path, retention, clock, Synchronous::default())
    }

    /// Opens (or creates) the log at `path` with the given durability. Blocks.
    pub fn open_with(
        path: &Path,
        retention: Retention,
        clock: Arc<dyn WallClock>,
        sync: Synchronous,
    ) -> Result<SqliteLog, LogError> {
        let db = SqliteDb::open_with(path, schema::MIGRATIONS, sync).map_err(unavailable)?;
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

/// The stored form of a dedupe key: the first 16 bytes of its SHA-256 (short index entries;
/// 128 bits make a collision between two different events practically impossible).
fn stored_key(key: &str) -> [u8; 16] {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(key.as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

/// The first copy of a stored key: a kept event's sequence, 0 for a removed event's key still in
/// its window, or None.
fn first_copy(conn: &Connection, key: &[u8], now: i64) -> rusqlite::Result<Option<u64>> {
    let sql = "SELECT sequence FROM events WHERE dedupe_key = ?1 AND dedupe_until > ?2
               ORDER BY sequence DESC LIMIT 1";
    let kept: Option<u64> = conn
        .prepare_cached(sql)?
        .query_row(params![key, now], |r| r.get(0))
        .optional()?;
    if kept.is_some() {
        return Ok(kept);
    }
    let sql = "SELECT sequence FROM event_dedupe WHERE key = ?1 AND expires_at > ?2";
    let removed: Option<u64> = conn
        .prepare_cached(sql)?
        .query_row(params![key, now], |r| r.get(0))
        .optional()?;
    Ok(removed.map(|seq| if kept_event(conn, seq) { seq } else { 0 }))
}

/// Whether the event with this sequence is still kept (a second key of a kept event lives in
/// `event_dedupe` from the start).
fn kept_event(conn: &Connection, sequence: u64) -> bool {
    let sql = "SELECT 1 FROM events WHERE sequence = ?1";
    conn.prepare_cached(sql)
        .and_then(|mut s| s.query_row([sequence], |_| Ok(())).optional())
        .is_ok_and(|found| found.is_some())
}

/// `append` as one job: dedupe check of both keys (kept events, then keys in `event_dedupe`),
/// insert, and the second key remembered beside the first.
fn append(
    conn: &Connection,
    e: NewEvent,
    now: i64,
    retention: Retention,
) -> rusqlite::Result<Appended> {
    let key = &stored_key(&e.dedupe_key)[..];
    let also = e.also_dedupe.as_deref().map(stored_key);
    for k in std::iter::once(key).chain(also.as_ref().map(|a| &a[..])) {
        if let Some(first) = first_copy(conn, k, now)? {
            return Ok(Appended::Duplicate(first));
        }
    }
    let sequence = latest(conn)? + 1;
    let (subject_type, subject_id) = query::subject_columns(&e.subject);
    let sql = "INSERT INTO events (sequence, received_at, kind, subject_type, subject_id, payload,
                                   dedupe_key, dedupe_until)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    let until = retention.dedupe_until(now);
    let values = params![
        sequence,
        e.received_at_ms.unwrap_or(now),
        e.kind.code(),
        subject_type,
        subject_id,
        &e.payload[..],
        key,
        until
    ];
    conn.prepare_cached(sql)?.execute(values)?;
    if let Some(also) = also {
        let sql = "INSERT OR REPLACE INTO event_dedupe (key, sequence, expires_at)
                   VALUES (?1, ?2, ?3)";
        conn.prepare_cached(sql)?
            .execute(params![&also[..], sequence, until])?;
    }
    Ok(Appended::New(sequence))
}

/// The highest sequence ever assigned: the last event's, or the one retention remembered.
fn latest(conn: &Connection) -> rusqlite::Result<u64> {
    let sql = "SELECT MAX(COALESCE((SELECT MAX(sequence) FROM events), 0),
                          COALESCE((SELECT value FROM event_meta WHERE name = 'latest'), 0))";
    conn.prepare_cached(sql)?.query_row([], |row| row.get(0))
}

/// Retention as one job; returns events removed. Removes a prefix: everything before the first
/// event both young enough and within `max_events`. Keys of removed events still inside their
/// dedupe window move to `event_dedupe` first.
fn enforce(conn: &Connection, now: i64, retention: Retention) -> rusqlite::Result<u64> {
    let latest = latest(conn)?;
    let sql = "INSERT INTO event_meta (name, value) VALUES ('latest', ?1)
               ON CONFLICT (name) DO UPDATE SET value = excluded.value";
    conn.prepare_cached(sql)?.execute([latest])?;
    let sql = "SELECT sequence FROM events WHERE received_at >= ?1 ORDER BY sequence LIMIT 1";
    let young: Option<u64> = conn
        .prepare_cached(sql)?
        .query_row([retention.age_cutoff(now)], |r| r.get(0))
        .optional()?;
    let keep_from = young
        .unwrap_or(latest + 1)
        .max(retention.count_cutoff(latest) + 1);
    let sql = "INSERT OR REPLACE INTO event_dedupe (key, sequence, expires_at)
               SELECT dedupe_key, sequence, dedupe_until FROM events
               WHERE sequence < ?1 AND dedupe_until > ?2";
    conn.prepare_cached(sql)?.execute(params![keep_from, now])?;
    let sql = "DELETE FROM events WHERE sequence < ?1";
    let removed = conn.prepare_cached(sql)?.execute([keep_from])?;
    let sql = "DELETE FROM event_dedupe WHERE expires_at <= ?1";
    conn.prepare_cached(sql)?.execute([now])?;
    Ok(u64::try_from(removed).unwrap_or(u64::MAX))
}

fn unavailable(error: StorageError) -> LogError {
    LogError::Sqlite(error)
}

#[cfg(test)]
mod tests;
