//! Storage, the SQLite engine room. One `rusqlite::Connection` lives on one OS thread; async
//! callers (the idempotency store now, the event log later) send it closures through
//! [`SqliteDb::call`]. The thread drains the queue in batches: one transaction per batch (group
//! commit), one SAVEPOINT per job (a failing job rolls back alone), and every caller is answered
//! only after COMMIT, so an `Ok` always means "durable". No database work ever runs on the async
//! executor's threads.
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::{Connection, ffi};
use tokio::sync::{oneshot, watch};

use super::StorageError;

/// The most jobs one transaction carries.
const MAX_BATCH: usize = 256;
/// How long SQLite waits for a lock held by another connection before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_millis(5000);

/// A handle to the database thread. Clones share the thread; dropping the last handle lets the
/// thread finish every queued job, close the connection and exit.
#[derive(Clone, Debug)]
pub struct SqliteDb {
    jobs: mpsc::Sender<Box<dyn Job>>,
    running: watch::Receiver<()>,
}

impl SqliteDb {
    /// Opens (creating parent folders and the file) `path`, sets WAL, `synchronous=NORMAL`,
    /// `busy_timeout=5000` and `foreign_keys=ON`, runs `migrations` (idempotent SQL batches, in
    /// order, in one transaction) and starts the database thread. This call blocks: make it before
    /// the runtime starts or through `spawn_blocking`.
    pub fn open(path: &Path, migrations: &[&str]) -> Result<SqliteDb, StorageError> {
        let mut conn = connect(path)?;
        migrate(&mut conn, migrations)?;
        let (jobs, queue) = mpsc::channel();
        let (alive, running) = watch::channel(());
        std::thread::Builder::new()
            .name("sqlite-db".into())
            .spawn(move || serve(conn, queue, alive))
            .map_err(|e| StorageError::Open(format!("cannot start the database thread: {e}")))?;
        Ok(SqliteDb { jobs, running })
    }

    /// Runs `job` on the database thread inside the current batch's transaction. The job is
    /// queued when `call` is called (not when the future is first polled), so calls made in order
    /// run in order; the future resolves after the batch has committed (or rolled back).
    pub fn call<T, F>(
        &self,
        job: F,
    ) -> impl Future<Output = Result<T, StorageError>> + Send + use<T, F>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let call = Call {
            work: Some(job),
            result: None,
            reply,
        };
        let queued = self.jobs.send(Box::new(call)).is_ok();
        async move {
            if !queued {
                return Err(StorageError::Closed);
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

/// Opens the file and sets the connection's pragmas.
fn connect(path: &Path) -> Result<Connection, StorageError> {
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
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Runs every migration, in order, in one transaction.
fn migrate(conn: &mut Connection, migrations: &[&str]) -> Result<(), StorageError> {
    let tx = conn.transaction()?;
    for migration in migrations {
        tx.execute_batch(migration)?;
    }
    tx.commit()?;
    Ok(())
}

/// The database thread: batch after batch until every handle is gone and the queue is empty.
fn serve(conn: Connection, queue: mpsc::Receiver<Box<dyn Job>>, alive: watch::Sender<()>) {
    while let Some(first) = next_job(&queue) {
        let mut batch = vec![first];
        batch.extend(queue.try_iter().take(MAX_BATCH - 1));
        run_batch(&conn, batch);
    }
    drop(conn);
    tracing::debug!("database thread stopped");
    drop(alive);
}

/// How long the thread keeps polling for the next job before it sleeps: a call's second job
/// (an idempotent outcome after its begin) usually arrives within microseconds, and waking a
/// sleeping thread costs more than that on a loaded machine.
const SPIN: std::time::Duration = std::time::Duration::from_micros(50);

/// The next job: polled briefly, then waited for. None once every handle is gone.
fn next_job(queue: &mpsc::Receiver<Box<dyn Job>>) -> Option<Box<dyn Job>> {
    let until = std::time::Instant::now() + SPIN;
    while std::time::Instant::now() < until {
        match queue.try_recv() {
            Ok(job) => return Some(job),
            Err(mpsc::TryRecvError::Disconnected) => return None,
            Err(mpsc::TryRecvError::Empty) => std::thread::yield_now(),
        }
    }
    queue.recv().ok()
}

/// Runs one batch in one transaction, then answers every job.
fn run_batch(conn: &Connection, mut batch: Vec<Box<dyn Job>>) {
    let committed = run_in_transaction(conn, &mut batch);
    if let Err(error) = &committed {
        tracing::warn!(%error, jobs = batch.len(), "database batch rolled back");
    }
    for job in batch {
        job.answer(committed.as_ref().map(|_| ()));
    }
}

fn run_in_transaction(conn: &Connection, batch: &mut [Box<dyn Job>]) -> rusqlite::Result<()> {
    exec(conn, "BEGIN IMMEDIATE")?;
    let done = match batch {
        // Alone in its batch, a job needs no savepoint: the transaction is its own.
        [job] => run_alone(conn, job.as_mut()),
        _ => batch
            .iter_mut()
            .try_for_each(|job| run_job(conn, job.as_mut()))
            .and_then(|()| exec(conn, "COMMIT")),
    };
    if done.is_err() && !conn.is_autocommit() {
        // Best effort: the batch's error is what the callers hear about.
        let _ = exec(conn, "ROLLBACK");
    }
    done
}

/// Runs the only job of a batch: commit when it succeeded, roll back when it failed.
fn run_alone(conn: &Connection, job: &mut dyn Job) -> rusqlite::Result<()> {
    if run_guarded(conn, job) {
        exec(conn, "COMMIT")
    } else {
        exec(conn, "ROLLBACK")
    }
}

/// Runs a job, turning a panic into a failure.
fn run_guarded(conn: &Connection, job: &mut dyn Job) -> bool {
    catch_unwind(AssertUnwindSafe(|| job.run(conn))).unwrap_or_else(|_| {
        tracing::error!("a database job panicked; its writes are rolled back");
        false
    })
}

/// Runs one job inside its own savepoint; a job's failure or panic undoes only its own writes.
/// An error here is a failure of the savepoint machinery itself, which dooms the whole batch.
fn run_job(conn: &Connection, job: &mut dyn Job) -> rusqlite::Result<()> {
    exec(conn, "SAVEPOINT job")?;
    if !run_guarded(conn, job) {
        exec(conn, "ROLLBACK TO job")?;
    }
    exec(conn, "RELEASE job")
}

fn exec(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}

/// A queued job with its type erased, so jobs of any result type share one queue.
trait Job: Send {
    /// Runs the work; true when it succeeded (its savepoint is kept).
    fn run(&mut self, conn: &Connection) -> bool;
    /// Answers the caller once the batch has ended (`batch` is how it ended).
    fn answer(self: Box<Self>, batch: Result<(), &rusqlite::Error>);
}

struct Call<F, T> {
    work: Option<F>,
    result: Option<rusqlite::Result<T>>,
    reply: oneshot::Sender<Result<T, StorageError>>,
}

impl<F, T> Job for Call<F, T>
where
    T: Send,
    F: FnOnce(&Connection) -> rusqlite::Result<T> + Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        let result = work(conn);
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn answer(self: Box<Self>, batch: Result<(), &rusqlite::Error>) {
        let answer = match (self.result, batch) {
            (Some(Err(own)), _) => Err(own),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (Some(Ok(_)), Err(batch)) => Err(copy_error(batch)),
            (None, _) => Err(failure(ffi::SQLITE_ABORT, "database job panicked".into())),
        };
        // The caller may have stopped waiting; its job ran all the same.
        let _ = self.reply.send(answer.map_err(StorageError::from));
    }
}

/// One batch error told to each of its callers (`rusqlite::Error` is not `Clone`).
fn copy_error(error: &rusqlite::Error) -> rusqlite::Error {
    match error {
        rusqlite::Error::SqliteFailure(code, message) => {
            rusqlite::Error::SqliteFailure(*code, message.clone())
        }
        other => failure(ffi::SQLITE_ERROR, other.to_string()),
    }
}

fn failure(code: std::os::raw::c_int, message: String) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(ffi::Error::new(code), Some(message))
}

#[cfg(test)]
#[path = "sqlite_tests.rs"]
mod tests;
