//! Durability under a crash: the gateway process is SIGKILLed in the middle of a webhook burst;
//! after a restart on the same SQLite file, every event that was answered 200 is in the log.
use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
};

use atelio_gateway::proto::v1 as pb;
use serde_json::json;
use tonic::transport::Channel;

use crate::helpers::{process::GatewayProcess, signing::*, *};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_answered_200_survives_a_sigkill_mid_burst() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir
        .path()
        .join("gateway.sqlite3")
        .to_str()
        .unwrap()
        .to_string();
    let upstream = FakeUpstream::start().await;
    let settings = [("ATELIO_GATEWAY__IDEMPOTENCY__SQLITE_PATH", db.clone())];
    let gateway = GatewayProcess::start(&upstream.base_url(), &settings);
    let acked = Arc::new(Mutex::new(HashSet::new()));
    let senders: Vec<_> = (0..8)
        .map(|s| {
            let (url, acked) = (gateway.webhook_url.clone(), acked.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                for i in 0.. {
                    let event = json!({ "event": "kyb.verification.approved", "business_id": "96df8579-5d05-4e3e-a5e3-e61e3a5bdb38", "occurred_at": format!("2024-01-01T00:00:{:02}.{:06}Z", s, i) });
                    let body = serde_json::to_vec(&event).unwrap();
                    let sent = client.post(&url).header("Bond-Signature", header(SECRET, now(), &body)).body(body).send().await;
                    match sent {
                        Ok(r) if r.status() == 200 => {
                            let answer: serde_json::Value = r.json().await.unwrap_or_default();
                            if let Some(c) = answer["cursor"].as_str() {
                                acked.lock().unwrap().insert(c.to_string());
                            }
                        }
                        _ => return,
                    }
                }
            })
        })
        .collect();
    while acked.lock().unwrap().len() < 300 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    gateway.kill();
    for s in senders {
        s.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let restarted = GatewayProcess::start(&upstream.base_url(), &settings);
    let channel = Channel::from_shared(format!("http://{}", restarted.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client =
        pb::verification_event_service_client::VerificationEventServiceClient::new(channel);
    let mut stored = HashSet::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_verification_events(pb::ListVerificationEventsRequest {
                page_size: 1000,
                page_token: token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        stored.extend(page.events.into_iter().map(|e| e.cursor));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    restarted.kill();
    let lost: Vec<_> = acked.difference(&stored).collect();
    assert!(acked.len() >= 300);
    assert!(
        lost.is_empty(),
        "{} acknowledged events lost of {}",
        lost.len(),
        acked.len()
    );
}
