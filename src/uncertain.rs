//! What one operation knows about its own earlier attempts: whether one of them may have taken
//! effect at Atelio without its answer arriving (a timeout or a broken connection after the
//! request was sent, a 5xx, a replica that died, a caller that gave up), and since when. The
//! idempotency step marks it when it resumes an abandoned record; the upstream pipeline marks it
//! when an attempt ends that way. The RPC bodies read it to tell "not found" from "already done".
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Shared by the clones of one call's context.
#[derive(Clone, Debug)]
pub struct Uncertain(Arc<AtomicI64>);

impl Default for Uncertain {
    fn default() -> Self {
        Self::new()
    }
}

/// The stored value while nothing is uncertain.
const NONE: i64 = -1;

impl Uncertain {
    /// Nothing uncertain yet.
    pub fn new() -> Self {
        Uncertain(Arc::new(AtomicI64::new(NONE)))
    }

    /// An earlier attempt that began at `since_ms` (Unix ms; 0 = unknown) may have taken effect.
    /// The earliest mark wins.
    pub fn mark(&self, since_ms: i64) {
        let since = since_ms.max(0);
        let _ = self
            .0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |cur| {
                (cur == NONE || since < cur).then_some(since)
            });
    }

    /// When the earliest uncertain attempt began (Unix ms; 0 = unknown), if any.
    pub fn since(&self) -> Option<i64> {
        let v = self.0.load(Ordering::SeqCst);
        (v != NONE).then_some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earliest_mark_wins_and_clones_share_it() {
        let u = Uncertain::new();
        assert_eq!(u.since(), None);
        let seen = u.clone();
        u.mark(500);
        u.mark(900);
        assert_eq!(seen.since(), Some(500));
        u.mark(0);
        assert_eq!(
            seen.since(),
            Some(0),
            "unknown start means: as early as can be"
        );
    }
}
