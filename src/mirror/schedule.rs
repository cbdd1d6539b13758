//! When reconciliation polls a pending verification: soon after it starts, then less and less
//! often as it ages (a quarter of its age, between `first_poll` and `max_interval`), since most
//! attempts settle within seconds and a document request can take weeks.
use std::time::Duration;

use super::record::Record;
use super::state::SubjectKind;
use crate::clock::millis;

/// The polling schedule.
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    /// The shortest interval (and the first poll after a start).
    pub first_poll: Duration,
    /// The longest interval.
    pub max_interval: Duration,
}

impl Schedule {
    /// When `r` should be polled next, seen at `now_ms` (None: nothing pending).
    pub fn next_poll(&self, r: &Record, now_ms: i64) -> Option<i64> {
        // KYC status reads need the program; KYB's (KB2) does not.
        let readable = !r.key.program.is_empty() || r.key.kind == SubjectKind::Business;
        if !r.state.is_pending() || !readable {
            return None;
        }
        let since = if r.started_at_ms > 0 {
            r.started_at_ms
        } else {
            r.history.first().map_or(now_ms, |t| t.at_ms)
        };
        let age = now_ms.saturating_sub(since).max(0);
        let (first, max) = (millis(self.first_poll), millis(self.max_interval).max(1));
        Some(now_ms.saturating_add((age / 4).clamp(first.min(max), max)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mirror::record::{Key, Observation, Source};
    use crate::mirror::state::State;

    const S: Schedule = Schedule {
        first_poll: Duration::from_secs(30),
        max_interval: Duration::from_secs(3600),
    };

    fn started_at(at_ms: i64, state: State) -> Record {
        let key = Key {
            kind: SubjectKind::Customer,
            id: "c".into(),
            program: "p".into(),
        };
        let mut r = Record::new(key, None, at_ms);
        r.begin_attempt(at_ms);
        r.observe(Observation {
            state,
            raw: String::new(),
            source: Source::Response,
            at_ms,
            documents: Vec::new(),
            body: None,
        });
        r
    }

    #[test]
    fn polls_back_off_with_age_between_the_bounds() {
        let r = started_at(0, State::Submitted);
        assert_eq!(S.next_poll(&r, 0), Some(30_000), "first poll");
        assert_eq!(
            S.next_poll(&r, 400_000),
            Some(500_000),
            "a quarter of its age"
        );
        let week = 7 * 24 * 3600 * 1000;
        assert_eq!(S.next_poll(&r, week), Some(week + 3_600_000), "capped");
    }

    #[test]
    fn verdicts_ended_attempts_and_unknown_programs_are_not_polled() {
        for state in [State::Passed, State::Rejected, State::Expired, State::Error] {
            assert_eq!(S.next_poll(&started_at(0, state), 10), None, "{state:?}");
        }
        let mut r = started_at(0, State::UnderReview);
        r.key.program.clear();
        assert_eq!(S.next_poll(&r, 10), None);
    }
}
