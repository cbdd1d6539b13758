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

#[tokio::test]
async fn a_stream_on_a_connection_older_than_max_connection_age_is_ended() {
    let app = spawn_app_with(|c| {
        c.server.max_connection_age_s = 1;
        c.server.max_connection_age_grace_s = 1;
    })
    .await;
    let req = pb::SubscribeVerificationEventsRequest {
        filter: None,
        start: Some(Start::FromNow(true)),
    };
    let mut stream = app
        .events()
        .subscribe_verification_events(req)
        .await
        .unwrap()
        .into_inner();
    // Heartbeats flow every 200 ms; the stream ends once the connection's age and grace pass.
    let ended = tokio::time::timeout(PATIENCE, async {
        while let Some(Ok(_)) = tokio_stream::StreamExt::next(&mut stream).await {}
    });
    ended.await.expect("the aged connection was closed");
}

#[tokio::test]
async fn an_http2_peer_that_never_answers_pings_is_closed() {
    use tokio::io::AsyncWriteExt;
    let app = spawn_app_with(|c| {
        c.server.keepalive_interval_ms = 200;
        c.server.keepalive_timeout_ms = 200;
    })
    .await;
    let mut tcp = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    // The HTTP/2 preface and an empty SETTINGS frame; then silence, PINGs unanswered.
    tcp.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(PATIENCE, tcp.read_to_end(&mut buf)).await;
    assert!(closed.is_ok(), "the silent peer was not closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_file_descriptors_the_accept_loop_backs_off_and_recovers() {
    use crate::helpers::{FakeUpstream, process::GatewayProcess, signing::post_signed};
    let upstream = FakeUpstream::start().await;
    let gw = GatewayProcess::start_with_fd_limit(&upstream.base_url(), &[], 96);
    let addr = gw
        .webhook_url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let mut held = Vec::new();
    for _ in 0..150 {
        if let Ok(c) = tokio::net::TcpStream::connect(&addr).await {
            held.push(c);
        }
    }
    let until = tokio::time::Instant::now() + PATIENCE;
    while !gw.logged("accept failed; backing off") {
        assert!(
            tokio::time::Instant::now() < until,
            "the descriptors never ran out"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(held);
    let event = serde_json::json!({ "event": "kyc.verification.success",
        "customer_id": "2df10ec1-130f-41bb-b0cf-f3af48350eb7", "occurred_at": "2024-05-01T10:00:00Z" });
    let client = reqwest::Client::new();
    let until = tokio::time::Instant::now() + PATIENCE;
    while post_signed(&client, &gw.webhook_url, &event).await.0 != 200 {
        assert!(
            tokio::time::Instant::now() < until,
            "ingest never recovered"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(gw.kill());
}
