//! Managed Redis, against real `redis-server`s started by the test. TLS: a server speaking only
//! TLS with a certificate from a CA made here (rcgen). With `redis.ca_file` naming that CA the
//! gateway stores events there; without it the certificate is refused (the gateway does not
//! start: its event log cannot be opened).
//! Sentinel: a master, a replica and a Sentinel. The gateway finds the master through the
//! Sentinel; after the master is killed and the replica promoted, ingest resumes on the new
//! master with no restart, and the event stored before the failover is still listed.
use std::path::Path;
use std::time::Duration;

use atelio_gateway::proto::v1 as pb;
use atelio_gateway::storage::redis_server::{Mode, RedisServer};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use serde_json::json;

use crate::helpers::FakeUpstream;
use crate::helpers::process::GatewayProcess;
use crate::helpers::signing::post_signed;

const PATIENCE: Duration = Duration::from_secs(30);

/// Writes a CA and a server certificate for 127.0.0.1 into `dir`; the three paths.
fn certificates(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let issuer = CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("key")).expect("ca");
    let key = KeyPair::generate().expect("key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()])
        .expect("params")
        .signed_by(&key, &issuer)
        .expect("signed");
    let write = |name: &str, text: String| {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("write");
        p
    };
    (
        write("redis.crt", leaf.pem()),
        write("redis.key", key.serialize_pem()),
        write("ca.crt", issuer.pem()),
    )
}

fn env<'a>(redis: &[(&'a str, String)]) -> Vec<(&'a str, String)> {
    let mut env = vec![
        ("ATELIO_GATEWAY__IDEMPOTENCY__STORE", "redis".to_string()),
        ("ATELIO_GATEWAY__EVENTS__STORE", "redis".into()),
        ("ATELIO_GATEWAY__REDIS__TIMEOUT_MS", "500".into()),
    ];
    env.extend(redis.iter().cloned());
    env
}

fn gateway(upstream: &FakeUpstream, redis: &[(&str, String)]) -> GatewayProcess {
    GatewayProcess::start(&upstream.base_url(), &env(redis))
}

async fn post(gw: &GatewayProcess, i: u32) -> u16 {
    let customer = format!("00000000-0000-4000-8000-{i:012}");
    let event = json!({ "event": "kyc.verification.success", "customer_id": customer, "occurred_at": "2024-05-01T10:00:00Z" });
    post_signed(&reqwest::Client::new(), &gw.webhook_url, &event)
        .await
        .0
}

/// Posts event `i` until it is accepted, for up to [`PATIENCE`]; whether it was.
async fn accepted(gw: &GatewayProcess, i: u32) -> bool {
    let until = tokio::time::Instant::now() + PATIENCE;
    while post(gw, i).await != 200 {
        if tokio::time::Instant::now() > until {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    true
}

async fn listed(gw: &GatewayProcess) -> usize {
    let channel = tonic::transport::Channel::from_shared(format!("http://{}", gw.addr))
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    pb::verification_event_service_client::VerificationEventServiceClient::new(channel)
        .list_verification_events(pb::ListVerificationEventsRequest::default())
        .await
        .expect("list")
        .into_inner()
        .events
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rediss_with_a_private_ca_is_used_and_an_untrusted_certificate_is_refused() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().expect("tmp");
    let (cert, key, ca) = certificates(dir.path());
    let redis = RedisServer::start_as(
        false,
        Mode::Tls {
            cert,
            key,
            ca: ca.clone(),
        },
    );
    let url = format!("rediss://127.0.0.1:{}/", redis.port());
    let upstream = FakeUpstream::start().await;
    let untrusting = env(&[("ATELIO_GATEWAY__REDIS__URL", url.clone())]);
    let (status, stderr) = GatewayProcess::start_refused(&upstream.base_url(), &untrusting);
    assert!(!status.success(), "an unknown CA is not trusted");
    assert!(stderr.contains("events.store"), "{stderr}");
    let trusting = gateway(
        &upstream,
        &[
            ("ATELIO_GATEWAY__REDIS__URL", url),
            ("ATELIO_GATEWAY__REDIS__CA_FILE", ca.display().to_string()),
        ],
    );
    assert!(accepted(&trusting, 1).await, "stored over TLS");
    assert_eq!(listed(&trusting).await, 1);
    drop(trusting.kill());
}

/// Waits until the replica has every write (WAIT) and the Sentinel knows it (it learns replicas
/// from the master's INFO, every 10 s), so that a failover has a replica to promote.
async fn settled(master: &RedisServer, sentinel: &RedisServer) {
    let mut m = master.connection().await;
    let until = tokio::time::Instant::now() + PATIENCE;
    loop {
        let acked: redis::RedisResult<i64> =
            redis::cmd("WAIT").arg(1).arg(200).query_async(&mut m).await;
        if acked == Ok(1) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < until,
            "the replica never caught up"
        );
    }
    let mut s = sentinel.connection().await;
    let until = tokio::time::Instant::now() + PATIENCE;
    loop {
        let known: Vec<redis::Value> = redis::cmd("SENTINEL")
            .arg("REPLICAS")
            .arg("mymaster")
            .query_async(&mut s)
            .await
            .expect("SENTINEL REPLICAS");
        if !known.is_empty() {
            return;
        }
        assert!(
            tokio::time::Instant::now() < until,
            "the sentinel never saw the replica"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sentinel_finds_the_master_and_follows_a_failover() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut master = RedisServer::start(true);
    let replica = RedisServer::start_as(true, Mode::ReplicaOf(master.port()));
    let sentinel = RedisServer::start_as(false, Mode::Sentinel(master.port()));
    let upstream = FakeUpstream::start().await;
    let gw = gateway(
        &upstream,
        &[
            (
                "ATELIO_GATEWAY__REDIS__SENTINELS",
                format!("[\"redis://127.0.0.1:{}\"]", sentinel.port()),
            ),
            ("ATELIO_GATEWAY__REDIS__SENTINEL_MASTER", "mymaster".into()),
        ],
    );
    assert!(
        accepted(&gw, 1).await,
        "stored on the master Sentinel names"
    );
    settled(&master, &sentinel).await;
    master.kill();
    if !accepted(&gw, 2).await {
        panic!("not accepted after the failover:\n{}", gw.kill());
    }
    assert_eq!(
        listed(&gw).await,
        2,
        "the event stored before the failover survived"
    );
    let log = gw.kill();
    assert!(log.contains("redis master found through sentinel"), "{log}");
    drop((replica, sentinel));
}
