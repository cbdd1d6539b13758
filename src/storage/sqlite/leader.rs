//! The shared half of [`super::SqliteDb`]: the job queue and the one connection, and the two
//! ways jobs get run. A caller that finds the connection free runs the queued jobs itself, in
//! one transaction, right away (no thread hop: a lone webhook or idempotency step commits on the
//! thread that received it). A caller that finds it busy leaves its job queued; whoever holds the
//! connection looks at the queue again after letting go and either wakes the database thread
//! (callers) or goes round again (the thread), so no queued job is ever stranded. The database
//! thread also runs the WAL checkpoints, mostly from a second connection, so a checkpoint's
//! copying and fsync neither land on a caller nor hold up its commit.
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};

use rusqlite::Connection;

use super::batch::{Job, run_batch};

/// The most jobs a caller runs in one go on its own thread (it blocks that thread meanwhile).
const MAX_INLINE: usize = 64;
/// The most jobs the database thread puts in one transaction.
const MAX_BATCH: usize = 256;
/// Commits between two checkpoints: rarer checkpoints copy each hot page (index edges, the
/// table's last leaf) once for many commits (256 -> 1024: +12 % ingest with 64 senders).
const CHECKPOINT_EVERY: u32 = 1024;

pub struct Shared {
    queue: Mutex<VecDeque<Box<dyn Job>>>,
    conn: Mutex<Option<Connection>>,
    commits: AtomicU32,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    pub fn new(conn: Connection) -> Shared {
        Shared {
            queue: Mutex::new(VecDeque::new()),
            conn: Mutex::new(Some(conn)),
            commits: AtomicU32::new(0),
        }
    }

    pub fn push(&self, job: Box<dyn Job>) {
        lock(&self.queue).push_back(job);
    }

    fn take(&self, max: usize) -> Vec<Box<dyn Job>> {
        let mut queue = lock(&self.queue);
        let n = queue.len().min(max);
        queue.drain(..n).collect()
    }

    fn idle(&self) -> bool {
        lock(&self.queue).is_empty()
    }

    fn run(&self, conn: &Connection, batch: Vec<Box<dyn Job>>) {
        run_batch(conn, batch);
        self.commits.fetch_add(1, Ordering::Relaxed);
    }

    /// A caller's turn: if the connection is free, runs what is queued (its own job included).
    /// True when the database thread is needed: jobs were left queued, or a checkpoint is due.
    pub fn lead_once(&self) -> bool {
        let guard = match self.conn.try_lock() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            // The holder looks at the queue after letting go and sees our job.
            Err(TryLockError::WouldBlock) => return false,
        };
        if let Some(conn) = guard.as_ref() {
            let batch = self.take(MAX_INLINE);
            if !batch.is_empty() {
                self.run(conn, batch);
            }
        }
        drop(guard);
        !self.idle() || self.commits.load(Ordering::Relaxed) >= CHECKPOINT_EVERY
    }

    /// The database thread's turn: runs everything queued, checkpoints when due (`force`: when
    /// anything was committed since the last one), and goes round until the queue stays empty.
    /// A checkpoint copies the WAL into the database from `checkpointer`, a second connection,
    /// while callers keep committing; then the writer's own connection copies the few pages
    /// committed meanwhile (a fraction of a millisecond), so the next commit can start the WAL
    /// over. Writers never wait for the bulk of a checkpoint or its fsync.
    pub fn drain(&self, mut force: bool, checkpointer: Option<&Connection>) {
        loop {
            self.run_queued();
            let commits = self.commits.load(Ordering::Relaxed);
            if commits >= CHECKPOINT_EVERY || (force && commits > 0) {
                self.commits.store(0, Ordering::Relaxed);
                if let Some(second) = checkpointer {
                    checkpoint(second);
                }
                if let Some(conn) = lock(&self.conn).as_ref() {
                    checkpoint(conn);
                }
            }
            if self.idle() {
                return;
            }
            force = false;
        }
    }

    fn run_queued(&self) {
        let guard = lock(&self.conn);
        let Some(conn) = guard.as_ref() else { return };
        loop {
            let batch = self.take(MAX_BATCH);
            if batch.is_empty() {
                return;
            }
            self.run(conn, batch);
        }
    }

    /// Takes the connection out to close it (the thread's last act).
    pub fn close(&self) -> Option<Connection> {
        lock(&self.conn).take()
    }
}

/// A PASSIVE checkpoint: copies what it can without waiting for anyone.
fn checkpoint(conn: &Connection) {
    let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    if let Err(error) = done {
        tracing::warn!(%error, "WAL checkpoint failed; will retry");
    }
}
