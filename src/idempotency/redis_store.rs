//! Idempotency records in Redis, shared by every replica: the same decision table as the
//! memory and SQLite stores (`store::Record::judge`), made atomic by running each operation as
//! one Lua script. A record is a hash `{fp, lease, exp[, ok, payload]}`; an index sorted set
//! scores records by logical expiry for `purge_expired`; each record also carries a real Redis
//! expiry (ttl) so nothing outlives its window even if purging stops. All keys share one hash tag,
//! so the scripts also run on Redis Cluster. Times are the gateway's wall clock (replicas are
//! expected to run NTP); a replica that dies mid-call leaves a lease that simply lapses.
use crate::clock::millis;
use std::time::Duration;

use redis::Script;

use crate::storage::RedisConn;

use super::store::{Begin, Fingerprint, IdempotencyStore, Outcome, StoreError, WallClock};
use std::sync::{Arc, LazyLock};

/// Shared by the begin and peek scripts: judge the record at KEYS[1] for ARGV[1] (fingerprint)
/// at ARGV[2] (now). Leaves `verdict` nil when the caller may proceed, with `resume` set when a
/// lapsed lease is taken over (the record's first-attempt time, `start`).
const JUDGE: &str = r#"
local r = redis.call('HMGET', KEYS[1], 'fp', 'lease', 'exp', 'ok', 'payload', 'start')
local now = tonumber(ARGV[2])
local live = r[1] and tonumber(r[3]) > now
local verdict = nil
local resume = nil
if live then
  if r[1] ~= ARGV[1] then verdict = {'mismatch'}
  elseif r[4] then verdict = {'replay', r[4], r[5]}
  elseif tonumber(r[2]) > now then verdict = {'in_flight'}
  else resume = {'resume', r[6] or '0'} end
end
"#;

static BEGIN: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        r#"{JUDGE}
if verdict then return verdict end
if live then
  redis.call('HSET', KEYS[1], 'lease', ARGV[3])
  return resume
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'lease', ARGV[3], 'exp', ARGV[4], 'start', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[4], KEYS[1])
return {{'proceed'}}"#
    ))
});

static PEEK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{JUDGE}\nreturn verdict or resume or {{'proceed'}}"
    ))
});

static COMPLETE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('HEXISTS', KEYS[1], 'ok') == 0 then
  redis.call('HSET', KEYS[1], 'ok', ARGV[1], 'payload', ARGV[2])
end
return 0"#,
    )
});

static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('HEXISTS', KEYS[1], 'ok') == 0 then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], KEYS[1])
end
return 0"#,
    )
});

static ABANDON: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('HEXISTS', KEYS[1], 'ok') == 0 then
  redis.call('HSET', KEYS[1], 'lease', '0')
end
return 0"#,
    )
});

/// Deletes up to 1000 records whose logical expiry is <= ARGV[1]; returns how many existed.
static PURGE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1000)
local n = 0
for _, k in ipairs(due) do
  local exp = redis.call('HGET', k, 'exp')
  if exp and tonumber(exp) <= tonumber(ARGV[1]) then n = n + redis.call('DEL', k) end
  redis.call('ZREM', KEYS[1], k)
end
return {n, #due}"#,
    )
});

/// The Redis-backed store.
pub struct RedisStore {
    conn: RedisConn,
    prefix: String,
    clock: Arc<dyn WallClock>,
}

fn unavailable(e: redis::RedisError) -> StoreError {
    // Category only: a Redis error can quote script text or arguments.
    StoreError::Redis(e.kind())
}

impl RedisStore {
    /// A store on `conn`, its keys under `{prefix}` (one hash tag).
    pub fn new(conn: RedisConn, prefix: &str, clock: Arc<dyn WallClock>) -> Self {
        RedisStore {
            conn,
            prefix: format!("{{{prefix}}}"),
            clock,
        }
    }

    fn record_key(&self, key: &str) -> String {
        format!("{}:idem:{key}", self.prefix)
    }

    fn index_key(&self) -> String {
        format!("{}:idem-expiry", self.prefix)
    }
}

fn verdict(reply: Vec<Vec<u8>>) -> Result<Begin, StoreError> {
    match reply.first().map(Vec::as_slice) {
        Some(b"proceed") => Ok(Begin::Proceed),
        Some(b"in_flight") => Ok(Begin::InFlight),
        Some(b"mismatch") => Ok(Begin::Mismatch),
        Some(b"resume") if reply.len() == 2 => Ok(Begin::Resume {
            first_attempt_ms: std::str::from_utf8(&reply[1])
                .ok()
                .and_then(|t| t.parse().ok())
                .unwrap_or(0),
        }),
        Some(b"replay") if reply.len() == 3 => Ok(Begin::Replay(Outcome {
            ok: reply[1] == b"1",
            payload: reply[2].clone(),
        })),
        _ => Err(StoreError::UnexpectedReply),
    }
}

#[async_trait::async_trait]
impl IdempotencyStore for RedisStore {
    async fn begin(
        &self,
        key: &str,
        fp: Fingerprint,
        lease: Duration,
        ttl: Duration,
    ) -> Result<Begin, StoreError> {
        let now = self.clock.now_ms();
        let reply: Vec<Vec<u8>> = BEGIN
            .key(self.record_key(key))
            .key(self.index_key())
            .arg(&fp[..])
            .arg(now)
            .arg(now.saturating_add(millis(lease)))
            .arg(now.saturating_add(millis(ttl)))
            .arg(millis(ttl).max(1))
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)?;
        verdict(reply)
    }

    async fn peek(&self, key: &str, fp: Fingerprint) -> Result<Begin, StoreError> {
        let reply: Vec<Vec<u8>> = PEEK
            .key(self.record_key(key))
            .arg(&fp[..])
            .arg(self.clock.now_ms())
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)?;
        verdict(reply)
    }

    async fn complete(&self, key: &str, outcome: Outcome) -> Result<(), StoreError> {
        let ok = if outcome.ok { "1" } else { "0" };
        let _: i64 = COMPLETE
            .key(self.record_key(key))
            .arg(ok)
            .arg(outcome.payload)
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        let _: i64 = RELEASE
            .key(self.record_key(key))
            .key(self.index_key())
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn abandon(&self, key: &str) -> Result<(), StoreError> {
        let _: i64 = ABANDON
            .key(self.record_key(key))
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn purge_expired(&self) -> Result<u64, StoreError> {
        let now = self.clock.now_ms();
        let mut purged = 0u64;
        loop {
            let (n, seen): (u64, u64) = PURGE
                .key(self.index_key())
                .arg(now)
                .invoke_async(&mut self.conn.clone())
                .await
                .map_err(unavailable)?;
            purged += n;
            if seen < 1000 {
                return Ok(purged);
            }
        }
    }
}
