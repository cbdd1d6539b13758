//! Storage, the SQLite engine room. One `rusqlite::Connection` per file, shared by every async
//! caller (the idempotency store and the event log) through [`SqliteDb::call`]. A call queues
//! its job and, when the connection is free, runs the queue itself at once in one transaction;
//! under contention jobs wait in the queue and the holder of the connection or the database
//! thread runs them in batches (group commit). Every caller is answered only after COMMIT, so an
//! `Ok` always means "durable": with `synchronous=NORMAL` (the default) against a process crash,
//! with `synchronous=FULL` against a host crash too (an fsync of the WAL before COMMIT returns).
//! The schema is versioned (`PRAGMA user_version`): `open` runs the migrations the file lacks.
//! A job runs for microseconds without any fsync (checkpoints are the database thread's), which
//! is why a caller may run it on an async executor thread: that saves two thread wake-ups per
//! call, the largest cost of a lone call on a loaded machine.
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::{oneshot, watch};

use super::StorageError;
mod batch;
mod leader;

use batch::Call;
use leader::Shared;

/// How long SQLite waits for a lock held by another connection before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_millis(5000);
/// How often an idle database thread checkpoints what was committed since the last time.
const IDLE_CHECKPOINT: Duration = Duration::from_secs(1);

/// A handle to the database. Clones share the connection and its thread; dropping the last handle
/// lets the thread finish every queued job, checkpoint, close the connection and exit.
#[derive(Clone)]
pub struct SqliteDb {
    shared: Arc<Shared>,
    wake: mpsc::Sender<()>,
    running: watch::Receiver<()>,
}

impl std::fmt::Debug for SqliteDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteDb").finish_non_exhaustive()
    }
}

impl SqliteDb {
    /// Opens (creating parent folders and the file) `path` with `synchronous=NORMAL`; see
    /// [`SqliteDb::open_with`].
    pub fn open(path: &Path, migrations: &[&str]) -> Result<SqliteDb, StorageError> {
        Self::open_with(path, migrations, Synchronous::Normal)
    }

    /// Opens (creating parent folders and the file) `path`, sets WAL, `synchronous`,
    /// `busy_timeout=5000` and `foreign_keys=ON`, brings the schema to `migrations.len()` (runs
    /// the migrations past the file's `user_version`, in order, in one transaction; refuses a
    /// file from a newer build) and starts the database thread. This call blocks: make it before
    /// the runtime starts or through `spawn_blocking`.
    pub fn open_with(
        path: &Path,
        migrations: &[&str],
        sync: Synchronous,
    ) -> Result<SqliteDb, StorageError> {
        let mut conn = connect(path, sync)?;
        migrate(&mut conn, migrations)?;
        // Without a second connection (an in-memory database) the writer checkpoints alone.
        let checkpointer = connect(path, sync)
            .ok()
            .filter(|_| path != Path::new(":memory:"));
        let shared = Arc::new(Shared::new(conn));
        let (wake, woken) = mpsc::channel();
        let (alive, running) = watch::channel(());
        let thread_shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("sqlite-db".into())
            .spawn(move || serve(&thread_shared, checkpointer, &woken, alive))
            .map_err(|e| StorageError::Open(format!("cannot start the database thread: {e}")))?;
        Ok(SqliteDb {
            shared,
            wake,
            running,
        })
    }

    /// Runs `job` inside a transaction: queued when `call` is called (so calls made in order run
    /// in order, and a job runs even if its future is dropped), and run right here when the
    /// connection is free. The future resolves after its transaction committed (or rolled back).
    pub fn call<T, F>(
        &self,
        job: F,
    ) -> impl Future<Output = Result<T, StorageError>> + Send + use<T, F>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.shared.push(Box::new(Call {
            work: Some(job),
            result: None,
            reply,
        }));
        let (shared, wake) = (Arc::clone(&self.shared), self.wake.clone());
        async move {
            // Let the other ready tasks queue their jobs first, so one transaction takes them
            // all (group commit even on a single-threaded executor).
            tokio::task::yield_now().await;
            if shared.lead_once() {
                // Jobs left queued or a checkpoint due: the thread takes over. A lost send
                // means the thread is gone, which cannot happen while a handle exists.
                let _ = wake.send(());
            }
            answer.await.map_err(|_| StorageError::Closed)?
        }
    }

    /// Resolves once the database thread has exited: after the last handle is dropped and every
    /// queued job is done, and the connection is closed. For graceful shutdown:
    /// `let stopped = db.stopped(); drop(db); stopped.await`.
    pub fn stopped(&self) -> impl Future<Output = ()> + Send + use<> {
        let mut running = self.running.clone();
        async move { while running.changed().await.is_ok() {} }
    }
}

/// How far a commit is durable before it is acknowledged (`PRAGMA synchronous`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    /// `NORMAL`: survives a crash of the process (the default); a power loss or kernel crash
    /// may lose the last commits (WAL frames not yet fsynced).
    #[default]
    Normal,
    /// `FULL`: the WAL is fsynced before each commit returns; survives a host crash.
    Full,
}

impl Synchronous {
    fn pragma(self) -> &'static str {
        match self {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

/// Opens the file and sets the connection's pragmas.
fn connect(path: &Path, sync: Synchronous) -> Result<Connection, StorageError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| StorageError::Open(format!("{}: {e}", dir.display())))?;
    }
    let conn = Connection::open(path)
        .map_err(|e| StorageError::Open(format!("{}: {e}", path.display())))?;
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(%mode, "SQLite did not switch to WAL journal mode");
    }
    conn.pragma_update(None, "synchronous", sync.pragma())?;
    // Checkpoints run on the database thread (see `leader`), never on a committing caller.
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Runs the migrations past the file's `user_version`, in order, in one transaction, and records
/// the new version; a file whose version is newer than `migrations.len()` is refused.
fn migrate(conn: &mut Connection, migrations: &[&str]) -> Result<(), StorageError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let found: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = u32::try_from(migrations.len()).unwrap_or(u32::MAX);
    if found > known {
        return Err(StorageError::Open(format!(
            "schema version {found} was written by a newer gateway (this one knows {known})"
        )));
    }
    for migration in &migrations[found as usize..] {
        tx.execute_batch(migration)?;
    }
    if found < known {
        tx.pragma_update(None, "user_version", known)?;
        tracing::info!(from = found, to = known, "SQLite schema migrated");
    }
    tx.commit()?;
    Ok(())
}

/// The database thread: runs what callers left queued when woken, checkpoints when due or idle,
/// and once every handle is gone finishes the queue, checkpoints and closes the connection.
fn serve(
    shared: &Shared,
    checkpointer: Option<Connection>,
    woken: &mpsc::Receiver<()>,
    alive: watch::Sender<()>,
) {
    let checkpointer = checkpointer.as_ref();
    loop {
        match woken.recv_timeout(IDLE_CHECKPOINT) {
            Ok(()) => {
                while woken.try_recv().is_ok() {}
                shared.drain(false, checkpointer);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => shared.drain(true, checkpointer),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    shared.drain(true, checkpointer);
    drop(shared.close());
    tracing::debug!("database thread stopped");
    drop(alive);
}

#[cfg(test)]
mod tests;
