//! The mirror in SQLite (embedded default): one row per verification in the gateway's file
//! (schema version 3), the record as JSON beside the columns its two indexes need. Each call is
//! one [`SqliteDb`] job, so a save's version check and write commit together.
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params, params_from_iter, types::Value};

use super::record::{Key, Record};
use super::state::SubjectKind;
use super::store::{MirrorError, MirrorStore};
use crate::storage::{SqliteDb, Synchronous, schema};

/// A [`MirrorStore`] in a SQLite file.
#[derive(Clone)]
pub struct SqliteMirror {
    db: SqliteDb,
}

impl SqliteMirror {
    /// Opens (or creates) the mirror in the file at `path`. Blocks: call through
    /// `spawn_blocking`.
    pub fn open_with(path: &Path, sync: Synchronous) -> Result<SqliteMirror, MirrorError> {
        let db =
            SqliteDb::open_with(path, schema::MIGRATIONS, sync).map_err(MirrorError::Sqlite)?;
        Ok(SqliteMirror { db })
    }

    /// Resolves once the database thread has closed the file (after the last handle is gone).
    pub fn stopped(&self) -> impl std::future::Future<Output = ()> + Send + use<> {
        self.db.stopped()
    }

    async fn rows(&self, sql: &'static str, args: Vec<Value>) -> Result<Vec<Record>, MirrorError> {
        let texts = self
            .db
            .call(move |c| {
                let mut stmt = c.prepare_cached(sql)?;
                let rows = stmt.query_map(params_from_iter(args), |r| r.get::<_, String>(0))?;
                rows.collect::<Result<Vec<_>, _>>()
            })
            .await
            .map_err(MirrorError::Sqlite)?;
        texts.iter().map(|t| decode(t)).collect()
    }
}

fn decode(text: &str) -> Result<Record, MirrorError> {
    serde_json::from_str(text).map_err(|_| MirrorError::Corrupt)
}

fn write(c: &Connection, r: &Record, json: &str) -> rusqlite::Result<bool> {
    let stored: Option<i64> = c
        .query_row(
            "SELECT version FROM mirror WHERE key = ?1",
            [r.key.text()],
            |row| row.get(0),
        )
        .optional()?;
    if stored.unwrap_or(0) != r.version as i64 {
        return Ok(false);
    }
    c.execute(
        "INSERT OR REPLACE INTO mirror (key, kind, subject_id, version, next_poll, record)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            r.key.text(),
            r.key.kind.code(),
            r.key.id,
            r.version as i64 + 1,
            r.next_poll_ms,
            json
        ],
    )?;
    Ok(true)
}

#[async_trait::async_trait]
impl MirrorStore for SqliteMirror {
    async fn load(&self, key: &Key) -> Result<Option<Record>, MirrorError> {
        let k = key.text();
        let text: Option<String> = self
            .db
            .call(move |c| {
                c.query_row("SELECT record FROM mirror WHERE key = ?1", [k], |r| {
                    r.get(0)
                })
                .optional()
            })
            .await
            .map_err(MirrorError::Sqlite)?;
        text.as_deref().map(decode).transpose()
    }

    async fn of_subject(&self, kind: SubjectKind, id: &str) -> Result<Vec<Record>, MirrorError> {
        let sql = "SELECT record FROM mirror WHERE kind = ?1 AND subject_id = ?2";
        self.rows(sql, vec![kind.code().into(), id.to_string().into()])
            .await
    }

    async fn save(&self, r: &Record) -> Result<bool, MirrorError> {
        let json = super::store::stored_json(r)?;
        let r = r.clone();
        self.db
            .call(move |c| write(c, &r, &json))
            .await
            .map_err(MirrorError::Sqlite)
    }

    async fn due(&self, now_ms: i64, limit: usize) -> Result<Vec<Record>, MirrorError> {
        let sql = "SELECT record FROM mirror WHERE next_poll IS NOT NULL AND next_poll <= ?1
                   ORDER BY next_poll LIMIT ?2";
        self.rows(sql, vec![now_ms.into(), (limit as i64).into()])
            .await
    }

    async fn pending(&self, after: &str, limit: usize) -> Result<Vec<Record>, MirrorError> {
        let sql = "SELECT record FROM mirror WHERE next_poll IS NOT NULL AND key > ?1
                   ORDER BY key LIMIT ?2";
        self.rows(sql, vec![after.to_string().into(), (limit as i64).into()])
            .await
    }

    async fn claim(&self, _: &Key, _: i64, _: i64) -> Result<bool, MirrorError> {
        // One SQLite file serves one replica: nobody else polls.
        Ok(true)
    }
}
