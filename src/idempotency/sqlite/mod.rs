//! Idempotency, the SQLite backend (embedded default): records live in one WAL file and survive
//! restarts. Every operation is one job on the [`SqliteDb`] thread, so `begin`'s read-then-write
//! is atomic: the thread runs one job at a time inside a transaction.
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use super::store::{
    Begin, Fingerprint, IdempotencyStore, Outcome, Record, StoreError, WallClock, after,
};
use crate::storage::{SqliteDb, StorageError, Synchronous, schema};

/// `state` values.
const IN_FLIGHT: i64 = 0;
const COMPLETED: i64 = 1;

/// An [`IdempotencyStore`] in a SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    db: SqliteDb,
    clock: Arc<dyn WallClock>,
}

impl SqliteStore {
    /// Resolves once the store's database thread has flushed, checkpointed and closed the file
    /// (after the last handle is gone).
    pub fn stopped(&self) -> impl std::future::Future<Output = ()> + Send + use<> {
        self.db.stopped()
    }

    /// Opens (or creates) the store at `path`. Blocks: call before the runtime starts or through
    /// `spawn_blocking`.
    pub fn open(path: &Path, clock: Arc<dyn WallClock>) -> Result<SqliteStore, StoreError> {
        Self::open_with(path, clock, Synchronous::default())
    }

    /// Opens (or creates) the store at `path` with the given durability. Blocks.
    pub fn open_with(
        path: &Path,
        clock: Arc<dyn WallClock>,
        sync: Synchronous,
    ) -> Result<SqliteStore, StoreError> {
        let db = SqliteDb::open_with(path, schema::MIGRATIONS, sync).map_err(unavailable)?;
        Ok(SqliteStore { db, clock })
    }

    /// Runs `job` on the database thread with the clock's `now`, read there so it is ordered with
    /// the other jobs.
    async fn run<T, F>(&self, job: F) -> Result<T, StoreError>
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
impl IdempotencyStore for SqliteStore {
    async fn begin(
        &self,
        key: &str,
        fp: Fingerprint,
        lease: Duration,
        ttl: Duration,
    ) -> Result<Begin, StoreError> {
        let key = key.to_owned();
        self.run(move |conn, now| begin(conn, &key, fp, now, (lease, ttl)))
            .await
    }

    async fn peek(&self, key: &str, fp: Fingerprint) -> Result<Begin, StoreError> {
        let key = key.to_owned();
        self.run(move |conn, now| {
            let record = read(conn, &key)?;
            Ok(record.map_or(Begin::Proceed, |r| r.judge(fp, now)))
        })
        .await
    }

    async fn complete(&self, key: &str, outcome: Outcome) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.run(move |conn, _| {
            let sql = "UPDATE idempotency_records SET state = ?2, ok = ?3, payload = ?4
                       WHERE key = ?1 AND state = ?5";
            let values = params![key, COMPLETED, outcome.ok, outcome.payload, IN_FLIGHT];
            conn.prepare_cached(sql)?.execute(values).map(|_| ())
        })
        .await
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.run(move |conn, _| {
            let sql = "DELETE FROM idempotency_records WHERE key = ?1 AND state = ?2";
            conn.prepare_cached(sql)?
                .execute(params![key, IN_FLIGHT])
                .map(|_| ())
        })
        .await
    }

    async fn abandon(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.run(move |conn, _| {
            let sql =
                "UPDATE idempotency_records SET lease_until = 0 WHERE key = ?1 AND state = ?2";
            conn.prepare_cached(sql)?
                .execute(params![key, IN_FLIGHT])
                .map(|_| ())
        })
        .await
    }

    async fn purge_expired(&self) -> Result<u64, StoreError> {
        self.run(|conn, now| {
            let sql = "DELETE FROM idempotency_records WHERE expires_at <= ?1";
            let purged = conn.prepare_cached(sql)?.execute([now])?;
            Ok(u64::try_from(purged).unwrap_or(u64::MAX))
        })
        .await
    }
}

/// `begin` as one job: read the record, judge it, write when the verdict is `Proceed`.
fn begin(
    conn: &Connection,
    key: &str,
    fp: Fingerprint,
    now: i64,
    (lease, ttl): (Duration, Duration),
) -> rusqlite::Result<Begin> {
    let existing = read(conn, key)?;
    let verdict = existing
        .as_ref()
        .map_or(Begin::Proceed, |r| r.judge(fp, now));
    if !verdict.may_run() {
        return Ok(verdict);
    }
    if existing.is_some_and(|r| r.is_live(now)) {
        let sql = "UPDATE idempotency_records SET lease_until = ?2 WHERE key = ?1";
        conn.prepare_cached(sql)?
            .execute(params![key, after(now, lease)])?;
    } else {
        let r = Record::in_flight(fp, now, lease, ttl);
        let sql = "INSERT OR REPLACE INTO idempotency_records
                   (key, fingerprint, state, lease_until, expires_at, started_at, ok, payload)
                   VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, NULL)";
        let values = params![
            key,
            r.fingerprint,
            IN_FLIGHT,
            r.lease_until,
            r.expires_at,
            r.started_at
        ];
        conn.prepare_cached(sql)?.execute(values)?;
    }
    Ok(verdict)
}

/// The record under `key`, whether live or expired.
fn read(conn: &Connection, key: &str) -> rusqlite::Result<Option<Record>> {
    let sql = "SELECT fingerprint, state, lease_until, expires_at, ok, payload, started_at
               FROM idempotency_records WHERE key = ?1";
    let mut stmt = conn.prepare_cached(sql)?;
    stmt.query_row([key], |row| {
        let outcome = if row.get::<_, i64>(1)? == COMPLETED {
            Some(Outcome {
                ok: row.get(4)?,
                payload: row.get(5)?,
            })
        } else {
            None
        };
        Ok(Record {
            fingerprint: row.get(0)?,
            lease_until: row.get(2)?,
            expires_at: row.get(3)?,
            started_at: row.get(6)?,
            outcome,
        })
    })
    .optional()
}

fn unavailable(error: StorageError) -> StoreError {
    StoreError::Sqlite(error)
}

#[cfg(test)]
mod tests;
