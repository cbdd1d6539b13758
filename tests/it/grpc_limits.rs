//! The gRPC listener's connection-level limits over real sockets: a connection beyond
//! `server.max_connections` is closed at accept (and a freed slot serves again); a stream beyond
//! `server.max_concurrent_streams` waits for a free one instead of running; a TLS handshake that
//! does not begin is cut after `server.tls_handshake_timeout_ms`.
use std::time::Duration;

use atelio_gateway::config::TlsConfig;
use atelio_gateway::proto::v1 as pb;
use pb::subscribe_verification_events_request::Start;
use rcgen::{CertificateParams, KeyPair};
use tokio::io::AsyncReadExt;
use tonic::transport::Channel;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

use crate::helpers::*;

const PATIENCE: Duration = Duration::from_secs(20);

async fn connected(app: &TestApp) -> Channel {
    Channel::from_shared(format!("http://{}", app.addr))
        .unwrap()
        .connect_timeout(Duration::from_secs(2))
        .connect_lazy()
}

async fn healthy(channel: &Channel) -> bool {
    let req = HealthCheckRequest {
        service: String::new(),
    };
    let mut client = HealthClient::new(channel.clone());
    let call = client.check(req);
    matches!(
        tokio::time::timeout(Duration::from_secs(2), call).await,
        Ok(Ok(_))
    )
}

#[tokio::test]
async fn a_connection_beyond_max_connections_is_refused_until_a_slot_frees() {
    let app = spawn_app_with(|c| c.server.max_connections = 1).await;
    let first = connected(&app).await;
    assert!(healthy(&first).await, "the first connection is served");
    let second = connected(&app).await;
    assert!(!healthy(&second).await, "the second is closed at accept");
    drop(first);
    let until = tokio::time::Instant::now() + PATIENCE;
    while !healthy(&second).await {
        assert!(
            tokio::time::Instant::now() < until,
            "a freed slot never served"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_stream_beyond_max_concurrent_streams_waits_for_a_free_one() {
    let app = spawn_app_with(|c| c.server.max_concurrent_streams = 1).await;
    let channel = connected(&app).await;
    let req = pb::SubscribeVerificationEventsRequest {
        filter: None,
        start: Some(Start::FromNow(true)),
    };
    let mut events =
        pb::verification_event_service_client::VerificationEventServiceClient::new(channel.clone());
    let open = events.subscribe_verification_events(req).await.unwrap();
    assert!(!healthy(&channel).await, "the one stream is taken");
    assert!(
        healthy(&connected(&app).await).await,
        "another connection has its own"
    );
    drop(open);
    let until = tokio::time::Instant::now() + PATIENCE;
    while !healthy(&channel).await {
        assert!(
            tokio::time::Instant::now() < until,
            "the freed stream never served"
        );
    }
}

#[tokio::test]
async fn a_tls_handshake_that_never_begins_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let (cert_file, key_file) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
    std::fs::write(&cert_file, cert.pem()).unwrap();
    std::fs::write(&key_file, key.serialize_pem()).unwrap();
    let tls = TlsConfig {
        cert_file,
        key_file,
        client_ca_file: None,
    };
    let app = spawn_app_with(move |c| {
        c.server.tls = Some(tls);
        c.server.tls_handshake_timeout_ms = 200;
    })
    .await;
    let mut tcp = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(PATIENCE, tcp.read_to_end(&mut buf)).await;
    assert!(closed.is_ok(), "the silent TLS client was not cut");
}
