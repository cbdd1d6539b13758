//! Coalescing of identical concurrent status reads: a read that finds the same request already
//! in flight waits for that answer instead of spending another upstream call. A caller never
//! joins a flight that began before the last mutating call completed (a start, an upload, an
//! update: any non-GET), so it never sees a state older than its own writes. A joiner whose
//! flight fails, or is cancelled, or outlives its deadline, makes its own call.
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;
use tokio::sync::watch;

use super::GatewayError;

/// The answer of a flight: None while running, Some(None) when it failed.
type Answer = Option<Option<Value>>;

struct Flight {
    id: u64,
    epoch: u64,
    done: watch::Receiver<Answer>,
}

/// Reads in flight, by request.
#[derive(Default)]
pub struct Flights {
    /// Bumped when a mutating call completes.
    epoch: AtomicU64,
    next_id: AtomicU64,
    running: Mutex<HashMap<String, Flight>>,
}

/// Whether an answer came from this caller's own call or from another's flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Served {
    /// This caller's call.
    Own,
    /// An identical read already in flight.
    Joined,
}

/// Removes the leader's flight when it ends, however it ends.
struct Leading<'a> {
    flights: &'a Flights,
    key: String,
    id: u64,
}

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        let mut running = self.flights.lock();
        if running.get(&self.key).is_some_and(|f| f.id == self.id) {
            running.remove(&self.key);
        }
    }
}

impl Flights {
    /// A mutating call completed: flights begun before it are not joined any more.
    pub fn invalidate(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// Reads `key` with `run`, or joins an identical read in flight (within `deadline`).
    pub async fn read<F, Fut>(
        &self,
        key: String,
        deadline: tokio::time::Instant,
        run: F,
    ) -> Result<(Value, Served), GatewayError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Value, GatewayError>>,
    {
        let epoch = self.epoch.load(Ordering::SeqCst);
        let joined = {
            let mut running = self.lock();
            match running.get(&key) {
                Some(f) if f.epoch == epoch => Err(f.done.clone()),
                _ => {
                    let (tx, rx) = watch::channel(None);
                    let id = self.next_id.fetch_add(1, Ordering::Relaxed);
                    let flight = Flight {
                        id,
                        epoch,
                        done: rx,
                    };
                    running.insert(key.clone(), flight);
                    Ok((tx, id))
                }
            }
        };
        match joined {
            Ok((tx, id)) => {
                let _leading = Leading {
                    flights: self,
                    key,
                    id,
                };
                let out = run().await;
                let _ = tx.send(Some(out.as_ref().ok().cloned()));
                out.map(|v| (v, Served::Own))
            }
            Err(mut rx) => {
                let answer =
                    match tokio::time::timeout_at(deadline, rx.wait_for(Option::is_some)).await {
                        Ok(Ok(answer)) => answer.clone().flatten(),
                        _ => None,
                    };
                if let Some(v) = answer {
                    return Ok((v, Served::Joined));
                }
                run().await.map(|v| (v, Served::Own))
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Flight>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    use super::*;

    fn later() -> tokio::time::Instant {
        tokio::time::Instant::now() + Duration::from_secs(5)
    }

    async fn slow_read(calls: Arc<AtomicUsize>) -> Result<Value, GatewayError> {
        calls.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok(Value::from(calls.load(Ordering::SeqCst)))
    }

    #[tokio::test]
    async fn identical_concurrent_reads_make_one_call() {
        let (flights, calls) = (Arc::new(Flights::default()), Arc::new(AtomicUsize::new(0)));
        let reads = (0..10).map(|_| {
            let (flights, calls) = (flights.clone(), calls.clone());
            tokio::spawn(async move {
                let read = flights.read("k".into(), later(), || slow_read(calls));
                read.await.expect("read").1
            })
        });
        let served: Vec<Served> = futures_util::future::join_all(reads)
            .await
            .into_iter()
            .map(|r| r.expect("task"))
            .collect();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(served.iter().filter(|s| **s == Served::Own).count(), 1);
        // Over: the next read calls again.
        flights
            .read("k".into(), later(), || slow_read(calls.clone()))
            .await
            .expect("read");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_flight_begun_before_a_write_completed_is_not_joined() {
        let (flights, calls) = (Arc::new(Flights::default()), Arc::new(AtomicUsize::new(0)));
        let first = {
            let (flights, calls) = (flights.clone(), calls.clone());
            tokio::spawn(
                async move { flights.read("k".into(), later(), || slow_read(calls)).await },
            )
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        flights.invalidate();
        let second = flights
            .read("k".into(), later(), || slow_read(calls.clone()))
            .await;
        assert_eq!(second.expect("read").1, Served::Own);
        first.await.expect("task").expect("read");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_joiner_of_a_failed_flight_calls_itself() {
        let flights = Arc::new(Flights::default());
        let failing = {
            let flights = flights.clone();
            tokio::spawn(async move {
                let fail = || async {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Err(GatewayError::ShuttingDown)
                };
                flights.read("k".into(), later(), fail).await.is_err()
            })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        let ok = || async { Ok(Value::from(7)) };
        let got = flights.read("k".into(), later(), ok).await.expect("read");
        assert_eq!(got, (Value::from(7), Served::Own));
        assert!(failing.await.expect("task"));
    }
}
