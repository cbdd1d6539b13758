//! Opaque cursors: a client sees `base64url("ev1:" + sequence)`, never the bare sequence, so the
//! encoding can change without breaking clients that treat it as a token.
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};

/// The cursor of a sequence.
pub fn encode(sequence: u64) -> String {
    B64.encode(format!("ev1:{sequence}"))
}

/// The sequence of a cursor.
pub fn decode(cursor: &str) -> Result<u64, String> {
    let bad = || "is not a cursor issued by this gateway".to_string();
    let raw = B64.decode(cursor).map_err(|_| bad())?;
    let text = std::str::from_utf8(&raw).map_err(|_| bad())?;
    text.strip_prefix("ev1:")
        .and_then(|n| n.parse().ok())
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_rejects_garbage() {
        assert_eq!(decode(&encode(42)), Ok(42));
        assert_eq!(decode(&encode(0)), Ok(0));
        assert!(decode("42").is_err());
        assert!(decode(&B64.encode("ev2:1")).is_err());
    }
}
