//! The mirror in Redis (several replicas): each record a hash (`v` version, `r` JSON) under the
//! hash tag `{prefix}`, a sorted set of pending records by next poll, a set per subject of its
//! records' keys, and a short claim per poll (`SET NX PX`) so one replica polls a record at a
//! time. A save is one Lua script: version check, write, both indexes.
use std::sync::LazyLock;

use redis::{AsyncCommands, Script};

use super::record::{Key, Record};
use super::state::SubjectKind;
use super::store::{MirrorError, MirrorStore};
use crate::storage::RedisConn;

/// KEYS: record, due index, subject set. ARGV: expected version, JSON, next poll ("" = none),
/// index member. Returns 1 when saved, 0 on a version conflict.
static SAVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if v ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', v + 1, 'r', ARGV[2])
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[2], ARGV[4])
else
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
end
redis.call('SADD', KEYS[3], ARGV[4])
return 1"#,
    )
});

/// A [`MirrorStore`] in a shared Redis.
pub struct RedisMirror {
    conn: RedisConn,
    prefix: String,
}

impl RedisMirror {
    /// The mirror on `conn` under the hash tag `{prefix}`.
    pub fn new(conn: RedisConn, prefix: &str) -> Self {
        RedisMirror {
            conn,
            prefix: format!("{{{prefix}}}"),
        }
    }

    fn record_key(&self, member: &str) -> String {
        format!("{}:mirror:r:{member}", self.prefix)
    }

    fn due_key(&self) -> String {
        format!("{}:mirror:due", self.prefix)
    }

    fn subject_key(&self, kind: SubjectKind, id: &str) -> String {
        format!("{}:mirror:s:{}:{id}", self.prefix, kind.name())
    }

    /// Loads the records of these members (skipping any removed meanwhile).
    async fn load_all(&self, members: &[String]) -> Result<Vec<Record>, MirrorError> {
        let mut out = Vec::with_capacity(members.len());
        for m in members {
            let (version, text): (Option<u64>, Option<String>) = redis::cmd("HMGET")
                .arg(self.record_key(m))
                .arg("v")
                .arg("r")
                .query_async(&mut self.conn.clone())
                .await?;
            if let (Some(v), Some(t)) = (version, text) {
                let mut r: Record = serde_json::from_str(&t).map_err(|_| MirrorError::Corrupt)?;
                r.version = v;
                out.push(r);
            }
        }
        Ok(out)
    }
}

#[async_trait::async_trait]
impl MirrorStore for RedisMirror {
    async fn load(&self, key: &Key) -> Result<Option<Record>, MirrorError> {
        Ok(self.load_all(&[key.text()]).await?.pop())
    }

    async fn of_subject(&self, kind: SubjectKind, id: &str) -> Result<Vec<Record>, MirrorError> {
        let members: Vec<String> = self
            .conn
            .clone()
            .smembers(self.subject_key(kind, id))
            .await?;
        self.load_all(&members).await
    }

    async fn save(&self, r: &Record) -> Result<bool, MirrorError> {
        let json = super::store::stored_json(r)?;
        let member = r.key.text();
        let next = r.next_poll_ms.map(|t| t.to_string()).unwrap_or_default();
        let saved: i64 = SAVE
            .key(self.record_key(&member))
            .key(self.due_key())
            .key(self.subject_key(r.key.kind, &r.key.id))
            .arg(r.version)
            .arg(json)
            .arg(next)
            .arg(&member)
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(saved == 1)
    }

    async fn due(&self, now_ms: i64, limit: usize) -> Result<Vec<Record>, MirrorError> {
        let members: Vec<String> = self
            .conn
            .clone()
            .zrangebyscore_limit(self.due_key(), "-inf", now_ms, 0, limit as isize)
            .await?;
        self.load_all(&members).await
    }

    async fn pending(&self, after: &str, limit: usize) -> Result<Vec<Record>, MirrorError> {
        // Members sorted by key text: ZRANGE BYLEX needs equal scores, so sort here (the pending
        // set is what operators page through, thousands at most).
        let mut members: Vec<String> = self.conn.clone().zrange(self.due_key(), 0, -1).await?;
        members.sort();
        let page: Vec<String> = members
            .into_iter()
            .filter(|m| m.as_str() > after)
            .take(limit)
            .collect();
        self.load_all(&page).await
    }

    async fn claim(&self, key: &Key, now_ms: i64, until_ms: i64) -> Result<bool, MirrorError> {
        let claim = format!("{}:mirror:claim:{}", self.prefix, key.text());
        let ttl = until_ms.saturating_sub(now_ms).max(1) as u64;
        let set: Option<String> = redis::cmd("SET")
            .arg(claim)
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(ttl)
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(set.is_some())
    }
}
