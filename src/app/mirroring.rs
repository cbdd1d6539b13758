//! Config → the verification mirror over its store (SQLite by default, Redis for several
//! replicas, memory for demos) and, unless `mirror.reconcile = false`, the reconciliation task.
use std::sync::Arc;

use super::StartError;
use super::components::Task;
use super::lifecycle::Closer;
use crate::config::{Config, StoreBackend};
use crate::events::hub::Hub;
use crate::mirror::Mirror;
use crate::mirror::reconcile::{self, Settings};
use crate::mirror::redis::RedisMirror;
use crate::mirror::schedule::Schedule;
use crate::mirror::sqlite::SqliteMirror;
use crate::mirror::store::{MemoryMirror, MirrorStore};
use crate::storage::redis_connect::Connected;
use crate::upstream::pipeline::Upstream;

/// The longest a reconciliation poll may take.
const POLL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The mirror's store.
async fn store(
    cfg: &Config,
    redis: Option<&Connected>,
    closers: &mut Vec<Closer>,
) -> Result<Arc<dyn MirrorStore>, StartError> {
    Ok(match cfg.mirror_store() {
        StoreBackend::Memory => Arc::new(MemoryMirror::default()),
        StoreBackend::Redis => {
            let redis =
                redis.ok_or_else(|| StartError::store("redis", "no connection configured"))?;
            Arc::new(RedisMirror::new(
                redis.shared.clone(),
                &cfg.redis.key_prefix,
            ))
        }
        StoreBackend::Sqlite => {
            let path = cfg.mirror_sqlite_path();
            let sync = cfg.sqlite.synchronous;
            let opened = tokio::task::spawn_blocking(move || SqliteMirror::open_with(&path, sync))
                .await
                .map_err(|e| StartError::store("mirror.sqlite_path", e))?;
            let store = opened.map_err(|e| StartError::store("mirror.sqlite_path", e))?;
            closers.push(Box::pin(store.stopped()));
            Arc::new(store)
        }
    })
}

/// The mirror (None when `mirror.enabled = false`), its reconciliation pushed to `tasks`.
pub async fn mirror(
    cfg: &Config,
    redis: Option<&Connected>,
    hub: &Arc<Hub>,
    upstream: &Arc<Upstream>,
    closers: &mut Vec<Closer>,
    tasks: &mut Vec<Task>,
) -> Result<Option<Arc<Mirror>>, StartError> {
    let m = &cfg.mirror;
    if !m.enabled {
        return Ok(None);
    }
    let schedule = Schedule {
        first_poll: m.first_poll(),
        max_interval: m.max_poll_interval(),
    };
    let store = store(cfg, redis, closers).await?;
    let mirror = Arc::new(Mirror::new(
        store,
        hub.clone(),
        schedule,
        m.document_expiry(),
    ));
    if m.reconcile {
        let settings = Settings {
            tick: m.tick(),
            batch: m.batch,
            per_minute: m.reconcile_per_minute(cfg.rate_limit.per_minute),
            lease: m.first_poll().min(POLL_TIMEOUT),
            timeout: POLL_TIMEOUT,
        };
        let task = reconcile::run(mirror.clone(), upstream.clone(), settings);
        tasks.push(Box::pin(task));
    }
    Ok(Some(mirror))
}
