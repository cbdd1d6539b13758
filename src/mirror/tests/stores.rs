//! The store contract on every backend (memory, SQLite in a temp file, Redis on a real
//! `redis-server`): a record saves again and again through `Mirror::update`, a stale version is
//! refused, the subject and due indexes follow each save, and on Redis a claim is exclusive.
use std::sync::Arc;
use std::time::Duration;

use crate::events::hub::Hub;
use crate::events::log::{Retention, SystemClock};
use crate::events::memory_log::MemoryLog;
use crate::mirror::Mirror;
use crate::mirror::record::{Key, Record};
use crate::mirror::redis::RedisMirror;
use crate::mirror::schedule::Schedule;
use crate::mirror::sqlite::SqliteMirror;
use crate::mirror::state::{State, SubjectKind};
use crate::mirror::store::{MemoryMirror, MirrorStore};
use crate::storage::Synchronous;

struct Backend {
    store: Arc<dyn MirrorStore>,
    _dir: Option<tempfile::TempDir>,
}

async fn memory() -> Backend {
    Backend {
        store: Arc::new(MemoryMirror::default()),
        _dir: None,
    }
}

async fn sqlite() -> Backend {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mirror.db");
    let opened =
        tokio::task::spawn_blocking(move || SqliteMirror::open_with(&path, Synchronous::Normal));
    let store = opened.await.expect("open task").expect("open");
    Backend {
        store: Arc::new(store),
        _dir: Some(dir),
    }
}

async fn redis() -> Backend {
    let conn = crate::storage::redis_server::RedisServer::shared()
        .connection()
        .await;
    let prefix = uuid::Uuid::new_v4().to_string();
    Backend {
        store: Arc::new(RedisMirror::new(conn, &prefix)),
        _dir: None,
    }
}

fn key(id: &str) -> Key {
    Key {
        kind: SubjectKind::Customer,
        id: id.to_string(),
        program: "3f1b9a52-6d1e-4c3a-8a4f-0c9e7d2b5a61".to_string(),
    }
}

async fn mirror_on(store: Arc<dyn MirrorStore>) -> Mirror {
    let log = Arc::new(MemoryLog::new(Retention::default(), Arc::new(SystemClock)));
    let hub = Hub::open(log, 16).await.expect("hub");
    let schedule = Schedule {
        first_poll: Duration::from_secs(1),
        max_interval: Duration::from_secs(60),
    };
    Mirror::new(store, hub, schedule, Duration::from_secs(3600))
}

async fn updates_save_again_and_a_stale_version_is_refused(store: Arc<dyn MirrorStore>) {
    let m = mirror_on(store.clone()).await;
    let k = key("c-1");
    for n in 1..=3u64 {
        let r = m.update(&k, None, |r| r.polls += 1).await.expect("update");
        assert_eq!((r.version, r.polls), (n, n as u32));
    }
    let loaded = store.load(&k).await.expect("load").expect("stored");
    assert_eq!((loaded.version, loaded.polls), (3, 3));
    let stale = Record {
        version: 2,
        ..loaded.clone()
    };
    assert!(!store.save(&stale).await.expect("save"), "a stale version");
    assert!(store.save(&loaded).await.expect("save"), "the current one");
    assert_eq!(
        store.load(&k).await.expect("load").map(|r| r.version),
        Some(4)
    );
}

async fn the_indexes_follow_each_save(store: Arc<dyn MirrorStore>) {
    let mut r = Record::new(key("c-2"), None, 1_000);
    r.state = State::UnderReview;
    r.next_poll_ms = Some(5_000);
    assert!(store.save(&r).await.expect("save"));
    let due = |at| {
        let store = store.clone();
        async move { store.due(at, 10).await.expect("due").len() }
    };
    assert_eq!((due(4_999).await, due(5_000).await), (0, 1));
    assert_eq!(store.pending("", 10).await.expect("pending").len(), 1);
    let subject = store.of_subject(SubjectKind::Customer, "c-2").await;
    assert_eq!(subject.expect("of subject").len(), 1);
    let mut r = store.load(&r.key).await.expect("load").expect("stored");
    r.state = State::Passed;
    r.next_poll_ms = None;
    assert!(store.save(&r).await.expect("save"));
    assert_eq!(due(i64::MAX).await, 0, "settled: no longer due");
    let subject = store.of_subject(SubjectKind::Customer, "c-2").await;
    assert_eq!(subject.expect("of subject")[0].state, State::Passed);
}

macro_rules! every_backend {
    ($($backend:ident),*) => {$(
        mod $backend {
            #[tokio::test]
            async fn updates_save_again_and_a_stale_version_is_refused() {
                let b = super::$backend().await;
                super::updates_save_again_and_a_stale_version_is_refused(b.store.clone()).await;
            }
            #[tokio::test]
            async fn the_indexes_follow_each_save() {
                let b = super::$backend().await;
                super::the_indexes_follow_each_save(b.store.clone()).await;
            }
        }
    )*};
}

every_backend!(memory, sqlite, redis);

#[tokio::test]
async fn a_redis_claim_is_exclusive_until_it_lapses() {
    let b = redis().await;
    let k = key("c-3");
    assert!(b.store.claim(&k, 0, 50).await.expect("claim"));
    assert!(!b.store.claim(&k, 0, 50).await.expect("claim"), "held");
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert!(b.store.claim(&k, 0, 50).await.expect("claim"), "lapsed");
}
