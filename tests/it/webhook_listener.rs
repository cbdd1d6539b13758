//! The internet-facing webhook listener under abuse, over raw TCP on loopback: a connection that
//! sends half a request, one that sends nothing and one idle after its answer are all closed by
//! the gateway; connections beyond `webhook.max_connections` are refused at accept; a request
//! whose signature header is missing, malformed or stale is answered before its body is sent;
//! HTTP/2 is not spoken on this port. Each closure is counted in `connections_closed_total`.
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{signing, *};

/// Bounds how long a test waits for the gateway to act; not a timed assertion.
const PATIENCE: Duration = Duration::from_secs(20);

async fn spawn_strict() -> TestApp {
    spawn_app_with(|c| {
        c.webhook.header_read_timeout_ms = 200;
        c.webhook.idle_timeout_ms = 200;
        c.webhook.max_connections = 4;
    })
    .await
}

/// Everything the server sends until it closes the connection.
async fn read_until_closed(tcp: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let read = tokio::time::timeout(PATIENCE, tcp.read_to_end(&mut out)).await;
    let _ = read.expect("the gateway closes the connection");
    String::from_utf8_lossy(&out).into_owned()
}

fn closed(reason: &str) -> u64 {
    atelio_gateway::metrics::get()
        .overload
        .connections_closed
        .with_label_values(&["webhook", reason])
        .get()
}

#[tokio::test]
async fn half_a_request_and_silence_are_both_timed_out_and_counted() {
    let app = spawn_strict().await;
    let (header_before, idle_before) = (closed("header_read_timeout"), closed("idle_timeout"));
    let mut half = TcpStream::connect(app.webhook_addr).await.unwrap();
    half.write_all(b"POST /webhooks/atelio HTTP/1.1\r\nHost: x\r\nBond-Sig")
        .await
        .unwrap();
    let mut silent = TcpStream::connect(app.webhook_addr).await.unwrap();
    read_until_closed(&mut half).await;
    read_until_closed(&mut silent).await;
    assert!(closed("header_read_timeout") > header_before);
    assert!(closed("idle_timeout") > idle_before);
}

#[tokio::test]
async fn a_keep_alive_connection_idle_after_its_answer_is_closed() {
    let app = spawn_strict().await;
    let mut tcp = TcpStream::connect(app.webhook_addr).await.unwrap();
    tcp.write_all(b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut tcp).await;
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
}

#[tokio::test]
async fn connections_beyond_the_cap_are_refused_and_a_freed_slot_serves_again() {
    let app = spawn_app_with(|c| c.webhook.max_connections = 2).await;
    let addr = app.webhook_addr;
    let refused_before = atelio_gateway::metrics::get()
        .overload
        .connections_refused
        .with_label_values(&["webhook", "max_connections"])
        .get();
    let first = TcpStream::connect(&addr).await.unwrap();
    let _second = TcpStream::connect(&addr).await.unwrap();
    let mut third = TcpStream::connect(&addr).await.unwrap();
    tcp_request(&mut third).await;
    assert_eq!(
        read_until_closed(&mut third).await,
        "",
        "refused unanswered"
    );
    let refused = atelio_gateway::metrics::get()
        .overload
        .connections_refused
        .with_label_values(&["webhook", "max_connections"])
        .get();
    assert!(refused > refused_before);
    drop(first);
    let client = reqwest::Client::new();
    let answered = tokio::time::timeout(PATIENCE, async {
        loop {
            let r = client.get(app.webhook_url.replace("/webhooks/atelio", "/x"));
            if r.send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    answered.await.expect("a freed slot takes a new connection");
}

async fn tcp_request(tcp: &mut TcpStream) {
    // The write may fail if the gateway already closed the socket; that is the point.
    let _ = tcp.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
}

/// Sends a POST's head announcing a body that never comes; returns the status line.
async fn head_only(app: &TestApp, signature: Option<String>) -> String {
    let mut tcp = TcpStream::connect(app.webhook_addr).await.unwrap();
    let sig = signature.map_or(String::new(), |s| format!("Bond-Signature: {s}\r\n"));
    let head = format!(
        "POST /webhooks/atelio HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: 4096\r\n{sig}\r\n"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(PATIENCE, tcp.read(&mut buf))
        .await
        .expect("answered before the body was sent")
        .unwrap();
    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
    text.lines().next().unwrap_or_default().to_string()
}

#[tokio::test]
async fn a_missing_malformed_or_stale_signature_is_refused_before_the_body_is_read() {
    let app = spawn_app().await;
    let stale = signing::header(signing::SECRET, signing::now() - 3_600, b"{}");
    for sig in [None, Some("v2=abc".to_string()), Some(stale)] {
        let line = head_only(&app, sig.clone()).await;
        assert!(line.starts_with("HTTP/1.1 401"), "{sig:?}: {line}");
    }
    assert_eq!(app.upstream.count(), 0);
}

#[tokio::test]
async fn http2_is_not_spoken_on_the_webhook_port() {
    let app = spawn_app().await;
    let mut tcp = TcpStream::connect(app.webhook_addr).await.unwrap();
    tcp.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut tcp).await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 "),
        "no HTTP/2 SETTINGS frame: {answer:?}"
    );
}
