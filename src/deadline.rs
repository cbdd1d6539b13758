//! The time a call may take, fixed when the RPC arrives: the caller's `grpc-timeout`, capped by
//! (and defaulting to) the configured default deadline. Every wait on the way out is bounded by it.
use std::time::Duration;

use tokio::time::Instant;

/// When the current call must be finished.
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    at: Instant,
}

impl Deadline {
    /// A deadline `timeout` from now.
    pub fn after(timeout: Duration) -> Self {
        Deadline {
            at: Instant::now() + timeout,
        }
    }

    /// From gRPC metadata: `grpc-timeout` if present and valid, capped by `default`, less a
    /// margin (10 %, at most 100 ms) so the gateway's own DEADLINE_EXCEEDED, with its details,
    /// reaches the caller before the transport gives up on the call.
    pub fn from_metadata(md: &tonic::metadata::MetadataMap, default: Duration) -> Self {
        let asked = md
            .get("grpc-timeout")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_grpc_timeout);
        let budget = asked.map_or(default, |t| t.min(default));
        let margin = (budget / 10).min(Duration::from_millis(100));
        Deadline::after(budget - margin)
    }

    /// Time left, zero when passed.
    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// The instant itself.
    pub fn instant(&self) -> Instant {
        self.at
    }
}

/// Parses the gRPC wire form `<digits><unit>` (H, M, S, m, u, n), at most 8 digits.
pub fn parse_grpc_timeout(raw: &str) -> Option<Duration> {
    if raw.len() < 2 || raw.len() > 9 {
        return None;
    }
    let (digits, unit) = raw.split_at(raw.len() - 1);
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n * 3600),
        "M" => Duration::from_secs(n * 60),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeout_units_are_understood() {
        assert_eq!(parse_grpc_timeout("5S"), Some(Duration::from_secs(5)));
        assert_eq!(parse_grpc_timeout("250m"), Some(Duration::from_millis(250)));
        assert_eq!(parse_grpc_timeout("2M"), Some(Duration::from_secs(120)));
        assert_eq!(parse_grpc_timeout("x"), None);
        assert_eq!(parse_grpc_timeout("5Q"), None);
        assert_eq!(parse_grpc_timeout("123456789S"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_caller_timeout_longer_than_the_default_is_capped() {
        let mut md = tonic::metadata::MetadataMap::new();
        md.insert("grpc-timeout", "1H".parse().unwrap());
        let d = Deadline::from_metadata(&md, Duration::from_secs(30));
        assert_eq!(d.remaining(), Duration::from_millis(29_900));
    }

    #[tokio::test(start_paused = true)]
    async fn a_short_caller_timeout_keeps_a_ten_percent_margin() {
        let mut md = tonic::metadata::MetadataMap::new();
        md.insert("grpc-timeout", "300m".parse().unwrap());
        let d = Deadline::from_metadata(&md, Duration::from_secs(30));
        assert_eq!(d.remaining(), Duration::from_millis(270));
    }
}
