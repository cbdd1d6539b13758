//! The event log on Redis, shared by every replica: one stream whose entry ids are the
//! sequences (`<seq>-0`, from one INCR counter, so there is one total order across replicas and
//! a cursor is valid on any replica), appended together with its dedupe record by one Lua
//! script (atomic across replicas). Dedupe records carry their logical window end and a real
//! expiry; retention trims a prefix of the stream (XTRIM MINID) and drops lapsed dedupe records.
//! `append` returns once Redis acknowledged the write: with AOF and `appendfsync always` (or
//! `everysec`, trading up to a second) that is durable. Keys share one hash tag.
use crate::clock::millis;
use std::sync::{Arc, LazyLock};

use bytes::Bytes;
use redis::Script;

use crate::storage::RedisConn;

use super::log::StoredEvent;
use super::log::{Appended, Bounds, EventLog, Filter, LogError, NewEvent, Retention, WallClock};
use super::model::{EventKind, Subject};

/// KEYS: latest, stream, dedupe record, dedupe index, second dedupe record (the first again when
/// there is none). ARGV: now, until, received_at, kind, subject type, subject id, payload,
/// window ms. Returns {1, seq} (new) or {0, seq|0}.
static APPEND: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"local now = tonumber(ARGV[1])
for _, k in ipairs({KEYS[3], KEYS[5]}) do
  local d = redis.call('HMGET', k, 'seq', 'until')
  if d[1] and tonumber(d[2]) > now then
    local id = d[1] .. '-0'
    if #redis.call('XRANGE', KEYS[2], id, id) == 0 then return {0, 0} end
    return {0, tonumber(d[1])}
  end
end
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], seq .. '-0', 'r', ARGV[3], 'k', ARGV[4], 't', ARGV[5], 'i', ARGV[6], 'p', ARGV[7])
for _, k in ipairs({KEYS[3], KEYS[5]}) do
  redis.call('HSET', k, 'seq', seq, 'until', ARGV[2])
  redis.call('PEXPIRE', k, ARGV[8])
  redis.call('ZADD', KEYS[4], ARGV[2], k)
end
return {1, seq}"#,
    )
});

/// Entries read per XRANGE while filtering.
const PAGE: usize = 512;

/// The Redis-backed log.
pub struct RedisLog {
    conn: RedisConn,
    /// A connection of its own for blocking reads (`wait_after`), when following.
    blocking: Option<RedisConn>,
    prefix: String,
    retention: Retention,
    clock: Arc<dyn WallClock>,
}

type Entry = (String, Vec<Vec<u8>>);

fn unavailable(e: redis::RedisError) -> LogError {
    LogError::Redis(e.kind())
}

impl RedisLog {
    /// A log on `conn` under the hash tag `{prefix}`.
    pub fn new(
        conn: RedisConn,
        prefix: &str,
        retention: Retention,
        clock: Arc<dyn WallClock>,
    ) -> Self {
        RedisLog {
            conn,
            blocking: None,
            prefix: format!("{{{prefix}}}"),
            retention,
            clock,
        }
    }

    /// Adds the connection `wait_after` blocks on (it must not be shared with other commands).
    pub fn with_blocking(mut self, conn: RedisConn) -> Self {
        self.blocking = Some(conn);
        self
    }

    /// Waits up to `block` for an event after `after` to exist (XREAD BLOCK).
    pub async fn wait_after(&self, after: u64, block: std::time::Duration) -> Result<(), LogError> {
        let Some(conn) = &self.blocking else {
            tokio::time::sleep(block).await;
            return Ok(());
        };
        let _: redis::Value = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(1)
            .arg("BLOCK")
            .arg(u64::try_from(block.as_millis()).unwrap_or(1000))
            .arg("STREAMS")
            .arg(self.key("stream"))
            .arg(format!("{after}-0"))
            .query_async(&mut conn.clone())
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    fn key(&self, name: &str) -> String {
        format!("{}:ev:{name}", self.prefix)
    }

    fn dedupe_key(&self, key: &str) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(key.as_bytes());
        format!("{}:ev:dd:{}", self.prefix, hex::encode(&digest[..16]))
    }

    async fn range(&self, start: &str, end: &str, count: usize) -> Result<Vec<Entry>, LogError> {
        redis::cmd("XRANGE")
            .arg(self.key("stream"))
            .arg(start)
            .arg(end)
            .arg("COUNT")
            .arg(count)
            .query_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)
    }

    async fn latest(&self) -> Result<u64, LogError> {
        let v: Option<u64> = redis::cmd("GET")
            .arg(self.key("latest"))
            .query_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)?;
        Ok(v.unwrap_or(0))
    }
}

fn sequence(id: &str) -> u64 {
    id.split('-')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn subject_fields(s: &Subject) -> (&'static str, &str) {
    match s {
        Subject::Customer(id) => ("c", id),
        Subject::Business(id) => ("b", id),
        Subject::BeneficialOwner(id) => ("o", id),
        Subject::None => ("", ""),
    }
}

/// An entry back into an event (fields r, k, t, i, p as `APPEND` writes them).
fn decode((id, flat): Entry) -> StoredEvent {
    let mut e = StoredEvent {
        sequence: sequence(&id),
        received_at_ms: 0,
        kind: EventKind::from_code(u8::MAX),
        subject: Subject::None,
        payload: Bytes::new(),
    };
    let (mut stype, mut sid) = (String::new(), String::new());
    for pair in flat.chunks(2) {
        let [name, value] = pair else { continue };
        let text = || String::from_utf8_lossy(value).into_owned();
        match name.as_slice() {
            b"r" => e.received_at_ms = text().parse().unwrap_or(0),
            b"k" => e.kind = EventKind::from_code(text().parse().unwrap_or(u8::MAX)),
            b"t" => stype = text(),
            b"i" => sid = text(),
            b"p" => e.payload = Bytes::copy_from_slice(value),
            _ => {}
        }
    }
    e.subject = match stype.as_str() {
        "c" => Subject::Customer(sid),
        "b" => Subject::Business(sid),
        "o" => Subject::BeneficialOwner(sid),
        _ => Subject::None,
    };
    e
}

#[async_trait::async_trait]
impl EventLog for RedisLog {
    async fn append(&self, e: NewEvent) -> Result<Appended, LogError> {
        let now = self.clock.now_ms();
        let (stype, sid) = subject_fields(&e.subject);
        let also = e.also_dedupe.as_deref().unwrap_or(&e.dedupe_key);
        let (new, seq): (i64, u64) = APPEND
            .key(self.key("latest"))
            .key(self.key("stream"))
            .key(self.dedupe_key(&e.dedupe_key))
            .key(self.key("dedupe-index"))
            .key(self.dedupe_key(also))
            .arg(now)
            .arg(self.retention.dedupe_until(now))
            .arg(e.received_at_ms.unwrap_or(now))
            .arg(e.kind.code())
            .arg(stype)
            .arg(sid)
            .arg(&e.payload[..])
            .arg(millis(self.retention.dedupe_window).max(1))
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)?;
        Ok(if new == 1 {
            Appended::New(seq)
        } else {
            Appended::Duplicate(seq)
        })
    }

    async fn read_after(
        &self,
        after: u64,
        filter: &Filter,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, LogError> {
        let mut out = Vec::new();
        let mut from = after;
        while out.len() < limit {
            let want = if filter.is_empty() {
                limit - out.len()
            } else {
                PAGE
            };
            let page = self.range(&format!("{}-0", from + 1), "+", want).await?;
            let got = page.len();
            for entry in page {
                let e = decode(entry);
                from = e.sequence;
                if filter.matches(e.kind, &e.subject) && out.len() < limit {
                    out.push(e);
                }
            }
            if got < want {
                break;
            }
        }
        Ok(out)
    }

    async fn get(&self, sequence: u64) -> Result<Option<StoredEvent>, LogError> {
        let id = format!("{sequence}-0");
        Ok(self
            .range(&id, &id, 1)
            .await?
            .into_iter()
            .next()
            .map(decode))
    }

    async fn bounds(&self) -> Result<Bounds, LogError> {
        let oldest = self
            .range("-", "+", 1)
            .await?
            .into_iter()
            .next()
            .map(|(id, _)| sequence(&id));
        Ok(Bounds {
            oldest,
            latest: self.latest().await?,
        })
    }

    async fn enforce_retention(&self) -> Result<u64, LogError> {
        let now = self.clock.now_ms();
        let latest = self.latest().await?;
        let keep_from = self
            .first_young(now, latest)
            .await?
            .max(self.retention.count_cutoff(latest) + 1);
        let removed: u64 = redis::cmd("XTRIM")
            .arg(self.key("stream"))
            .arg("MINID")
            .arg(format!("{keep_from}-0"))
            .query_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)?;
        self.forget_lapsed_keys(now).await?;
        Ok(removed)
    }
}

impl RedisLog {
    /// The first sequence received at or after the age cutoff (`latest + 1` when none is).
    async fn first_young(&self, now: i64, latest: u64) -> Result<u64, LogError> {
        let cutoff = self.retention.age_cutoff(now);
        let mut start = "-".to_string();
        loop {
            let page = self.range(&start, "+", PAGE).await?;
            let got = page.len();
            for entry in page {
                let e = decode(entry);
                if e.received_at_ms >= cutoff {
                    return Ok(e.sequence);
                }
                start = format!("{}-0", e.sequence + 1);
            }
            if got < PAGE {
                return Ok(latest + 1);
            }
        }
    }

    /// Drops dedupe records whose window ended.
    async fn forget_lapsed_keys(&self, now: i64) -> Result<(), LogError> {
        let index = self.key("dedupe-index");
        let lapsed: Vec<String> = redis::cmd("ZRANGEBYSCORE")
            .arg(&index)
            .arg("-inf")
            .arg(now)
            .query_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)?;
        for chunk in lapsed.chunks(500) {
            let mut pipe = redis::pipe();
            pipe.cmd("DEL").arg(chunk).ignore();
            pipe.cmd("ZREM").arg(&index).arg(chunk).ignore();
            let () = pipe
                .query_async(&mut self.conn.clone())
                .await
                .map_err(unavailable)?;
        }
        Ok(())
    }
}
