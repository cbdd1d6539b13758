//! The hub reads from its tail while a reader is close to the head and never asks the log
//! whether anything is newer than what it has published.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::events::log::{Bounds, Retention, SystemClock};
use crate::events::memory_log::MemoryLog;

/// The memory log, counting `read_after` calls.
struct Counting {
    inner: MemoryLog,
    reads: AtomicUsize,
}

#[async_trait::async_trait]
impl EventLog for Counting {
    async fn append(&self, e: NewEvent) -> Result<Appended, LogError> {
        self.inner.append(e).await
    }
    async fn read_after(&self, a: u64, f: &Filter, n: usize) -> Result<Vec<StoredEvent>, LogError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.read_after(a, f, n).await
    }
    async fn get(&self, s: u64) -> Result<Option<StoredEvent>, LogError> {
        self.inner.get(s).await
    }
    async fn bounds(&self) -> Result<Bounds, LogError> {
        self.inner.bounds().await
    }
    async fn enforce_retention(&self) -> Result<u64, LogError> {
        self.inner.enforce_retention().await
    }
}

async fn hub(tail: usize) -> (Arc<Hub>, Arc<Counting>) {
    let log = Arc::new(Counting {
        inner: MemoryLog::new(Retention::default(), Arc::new(SystemClock)),
        reads: AtomicUsize::new(0),
    });
    (Hub::open(log.clone(), tail).await.expect("hub"), log)
}

async fn append(hub: &Arc<Hub>, n: u32) -> u64 {
    match hub
        .append(
            ParsedEvent::kyc_success_for(&format!("c-{n}")),
            format!("k{n}"),
        )
        .await
    {
        Ok(Appended::New(s)) => s,
        other => panic!("not appended: {other:?}"),
    }
}

#[tokio::test]
async fn a_caught_up_reader_gets_nothing_without_asking_the_log() {
    let (hub, log) = hub(8).await;
    let none = hub
        .read_after(0, &Filter::default(), 10)
        .await
        .expect("read");
    assert!(none.entries.is_empty());
    assert_eq!(none.scanned_to, 0);
    let last = append(&hub, 1).await;
    let caught_up = hub
        .read_after(last, &Filter::default(), 10)
        .await
        .expect("read");
    assert!(caught_up.entries.is_empty());
    assert_eq!(caught_up.scanned_to, last);
    assert_eq!(log.reads.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_close_reader_reads_the_tail_and_a_lagging_one_the_log() {
    let (hub, log) = hub(2).await;
    for n in 1..=5 {
        append(&hub, n).await;
    }
    let close = hub
        .read_after(3, &Filter::default(), 10)
        .await
        .expect("read");
    let seqs: Vec<u64> = close.entries.iter().map(|e| e.sequence).collect();
    assert_eq!((seqs, close.scanned_to), (vec![4, 5], 5));
    assert_eq!(log.reads.load(Ordering::SeqCst), 0);
    let lagging = hub
        .read_after(1, &Filter::default(), 10)
        .await
        .expect("read");
    let seqs: Vec<u64> = lagging.entries.iter().map(|e| e.sequence).collect();
    assert_eq!(seqs, vec![2, 3, 4, 5]);
    assert_eq!(log.reads.load(Ordering::SeqCst), 1);
}
