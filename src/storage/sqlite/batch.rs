//! One batch of jobs in one transaction (group commit): one SAVEPOINT per job so a failing or
//! panicking job rolls back alone, and every caller answered only after COMMIT, so an `Ok`
//! always means "durable". Used by whichever thread holds the connection (see `leader`).
use std::panic::{AssertUnwindSafe, catch_unwind};

use rusqlite::{Connection, ffi};
use tokio::sync::oneshot;

use crate::storage::StorageError;

/// Runs one batch in one transaction, then answers every job.
pub fn run_batch(conn: &Connection, mut batch: Vec<Box<dyn Job>>) {
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
pub trait Job: Send {
    /// Runs the work; true when it succeeded (its savepoint is kept).
    fn run(&mut self, conn: &Connection) -> bool;
    /// Answers the caller once the batch has ended (`batch` is how it ended).
    fn answer(self: Box<Self>, batch: Result<(), &rusqlite::Error>);
}

pub struct Call<F, T> {
    pub work: Option<F>,
    pub result: Option<rusqlite::Result<T>>,
    pub reply: oneshot::Sender<Result<T, StorageError>>,
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
