//! The resumable event stream: catch-up then live, in order, exactly once; a slow subscriber
//! does not hold back others or the webhook path; resume by cursor; heartbeats; retention;
//! shutdown; durability across a restart on the same SQLite file.
use std::time::Duration;

use atelio_gateway::config::StoreBackend;
use atelio_gateway::proto::v1 as pb;
use pb::subscribe_verification_events_request::Start;
use pb::subscribe_verification_events_response::Item;
use serde_json::{Value, json};
use tokio_stream::StreamExt;
use tonic::{Code, Streaming};
use tonic_types::StatusExt;

use crate::helpers::{fixtures::*, signing::*, *};

const OTHER: &str = "9b1f6a52-3c1d-4e8f-a0b7-5d2c4e6f8a90";

/// A distinct, valid event per `i`, alternating between two customers.
fn event(i: usize) -> Value {
    let customer = if i.is_multiple_of(2) {
        CUSTOMER_ID
    } else {
        OTHER
    };
    json!({ "event": "kyc.verification.success", "customer_id": customer, "occurred_at": format!("2024-01-01T00:00:00.{i:06}Z") })
}

async fn post_many(app: &TestApp, range: std::ops::Range<usize>, concurrency: usize) {
    let client = reqwest::Client::new();
    let ids: Vec<usize> = range.collect();
    let chunks: Vec<Vec<usize>> = ids
        .chunks(ids.len().div_ceil(concurrency).max(1))
        .map(<[usize]>::to_vec)
        .collect();
    let tasks = chunks.into_iter().map(|chunk| {
        let (client, url) = (client.clone(), app.webhook_url.clone());
        tokio::spawn(async move {
            for i in chunk {
                assert_eq!(post_signed(&client, &url, &event(i)).await.0, 200);
            }
        })
    });
    for t in tasks.collect::<Vec<_>>() {
        t.await.unwrap();
    }
}

async fn subscribe(
    app: &TestApp,
    filter: Option<pb::EventFilter>,
    start: Start,
) -> Streaming<pb::SubscribeVerificationEventsResponse> {
    let req = pb::SubscribeVerificationEventsRequest {
        filter,
        start: Some(start),
    };
    app.events()
        .subscribe_verification_events(req)
        .await
        .unwrap()
        .into_inner()
}

/// Reads `n` events (skipping heartbeats), optionally pausing after each.
async fn take(
    stream: &mut Streaming<pb::SubscribeVerificationEventsResponse>,
    n: usize,
    pause: Duration,
) -> Vec<pb::VerificationEvent> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        match stream
            .next()
            .await
            .expect("stream open")
            .expect("no error")
            .item
        {
            Some(Item::Event(e)) => {
                out.push(e);
                if !pause.is_zero() {
                    tokio::time::sleep(pause).await;
                }
            }
            _ => continue,
        }
    }
    out
}

fn sequences(events: &[pb::VerificationEvent]) -> Vec<u64> {
    events.iter().map(|e| e.sequence).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_subscribers_get_every_matching_event_of_a_burst_once_and_in_order() {
    const N: usize = 5_000;
    let app = spawn_app().await;
    let mut fast = subscribe(&app, None, Start::FromNow(true)).await;
    let mut slow = subscribe(&app, None, Start::FromNow(true)).await;
    let one = pb::EventFilter {
        customer_ids: vec![CUSTOMER_ID.into()],
        ..Default::default()
    };
    let mut filtered = subscribe(&app, Some(one), Start::FromNow(true)).await;
    let slow_reader =
        tokio::spawn(async move { take(&mut slow, N, Duration::from_millis(1)).await });
    let filtered_reader =
        tokio::spawn(async move { take(&mut filtered, N / 2, Duration::ZERO).await });
    post_many(&app, 0..N, 16).await;
    let fast_events = take(&mut fast, N, Duration::ZERO).await;
    assert!(
        !slow_reader.is_finished(),
        "the webhook path and the fast subscriber finished while the slow one still reads"
    );
    assert_eq!(sequences(&fast_events), (1..=N as u64).collect::<Vec<_>>());
    let slow_events = slow_reader.await.unwrap();
    assert_eq!(sequences(&slow_events), sequences(&fast_events));
    let mine = filtered_reader.await.unwrap();
    assert!(mine.iter().all(|e| e.subject
        == Some(pb::verification_event::Subject::CustomerId(
            CUSTOMER_ID.into()
        ))));
    let expected: Vec<u64> = fast_events
        .iter()
        .filter(|e| e.subject == mine[0].subject)
        .map(|e| e.sequence)
        .collect();
    assert_eq!(sequences(&mine), expected);
}

#[tokio::test]
async fn a_subscriber_resuming_after_its_last_cursor_sees_no_gap_and_no_duplicate() {
    let app = spawn_app().await;
    post_many(&app, 0..10, 2).await;
    let mut first = subscribe(&app, None, Start::FromEarliest(true)).await;
    let seen = take(&mut first, 6, Duration::ZERO).await;
    drop(first);
    post_many(&app, 10..20, 2).await;
    let mut resumed = subscribe(
        &app,
        None,
        Start::AfterCursor(seen.last().unwrap().cursor.clone()),
    )
    .await;
    let rest = take(&mut resumed, 14, Duration::ZERO).await;
    let all: Vec<u64> = sequences(&seen)
        .into_iter()
        .chain(sequences(&rest))
        .collect();
    assert_eq!(all, (1..=20).collect::<Vec<_>>());
}

#[tokio::test]
async fn heartbeats_carry_the_cursor_examined_so_far() {
    let app = spawn_app().await;
    post_many(&app, 0..3, 1).await;
    let none = pb::EventFilter {
        business_ids: vec![BUSINESS_ID.into()],
        ..Default::default()
    };
    let mut stream = subscribe(&app, Some(none), Start::FromEarliest(true)).await;
    let beat = loop {
        if let Some(Item::Heartbeat(h)) = stream.next().await.unwrap().unwrap().item {
            break h;
        }
    };
    let last = app
        .events()
        .list_verification_events(pb::ListVerificationEventsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .events;
    assert_eq!(
        beat.cursor, last[2].cursor,
        "nothing matched, yet the cursor moved past all three"
    );
}

#[tokio::test]
async fn a_cursor_older_than_retention_ends_with_out_of_range_naming_the_oldest() {
    let app = spawn_app_with(|c| {
        c.events.max_events = 3;
        c.events.retention_interval_s = 1;
    })
    .await;
    post_many(&app, 0..6, 1).await;
    let first_cursor = atelio_gateway::events::cursor::encode(1);
    let oldest = loop {
        let listed = app
            .events()
            .list_verification_events(pb::ListVerificationEventsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .events;
        if listed.len() == 3 {
            break listed[0].clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let req = pb::SubscribeVerificationEventsRequest {
        filter: None,
        start: Some(Start::AfterCursor(first_cursor)),
    };
    let err = app
        .events()
        .subscribe_verification_events(req)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::OutOfRange);
    let info = err.get_error_details().error_info().cloned().unwrap();
    assert_eq!(info.reason, "CURSOR_EXPIRED");
    let named = atelio_gateway::events::cursor::decode(&info.metadata["oldest_cursor"]).unwrap();
    assert_eq!(
        named + 1,
        oldest.sequence,
        "resuming after the named cursor starts at the oldest event"
    );
}

#[tokio::test]
async fn streams_end_with_unavailable_when_the_gateway_shuts_down() {
    let mut app = spawn_app().await;
    let mut stream = subscribe(&app, None, Start::FromNow(true)).await;
    app.stop();
    let status = loop {
        match stream.next().await {
            Some(Ok(_)) => continue,
            Some(Err(s)) => break s,
            None => panic!("the stream ended without a status"),
        }
    };
    assert_eq!(status.code(), Code::Unavailable);
}

#[tokio::test]
async fn a_gateway_restarted_on_the_same_sqlite_file_serves_the_same_history_and_cursors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.sqlite3");
    let sqlite = |c: &mut atelio_gateway::config::Config| {
        c.events.store = StoreBackend::Sqlite;
        c.events.sqlite_path = Some(path.clone());
    };
    let first = spawn_app_with(sqlite).await;
    post_many(&first, 0..5, 1).await;
    let before = first
        .events()
        .list_verification_events(pb::ListVerificationEventsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .events;
    drop(first);
    let second = spawn_app_with(sqlite).await;
    let after = second
        .events()
        .list_verification_events(pb::ListVerificationEventsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .events;
    assert_eq!(after, before);
    let mut resumed = subscribe(&second, None, Start::AfterCursor(before[1].cursor.clone())).await;
    post_many(&second, 5..6, 1).await;
    assert_eq!(
        sequences(&take(&mut resumed, 4, Duration::ZERO).await),
        vec![3, 4, 5, 6]
    );
}

#[tokio::test]
async fn list_pages_and_get_reads_one_event() {
    let app = spawn_app().await;
    post_many(&app, 0..5, 1).await;
    let mut client = app.events();
    let page = client
        .list_verification_events(pb::ListVerificationEventsRequest {
            page_size: 3,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (page.events.len(), page.next_page_token.is_empty()),
        (3, false)
    );
    let rest = client
        .list_verification_events(pb::ListVerificationEventsRequest {
            page_size: 3,
            page_token: page.next_page_token,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(sequences(&rest.events), vec![4, 5]);
    let one = client
        .get_verification_event(pb::GetVerificationEventRequest {
            cursor: page.events[1].cursor.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(one.event.unwrap(), page.events[1]);
    let missing = client
        .get_verification_event(pb::GetVerificationEventRequest {
            cursor: atelio_gateway::events::cursor::encode(99),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
}

#[tokio::test]
async fn a_list_page_token_overtaken_by_retention_is_out_of_range_not_a_silent_skip() {
    let app = spawn_app_with(|c| {
        c.events.max_events = 3;
        c.events.retention_interval_s = 1;
    })
    .await;
    post_many(&app, 0..2, 1).await;
    let first = app
        .events()
        .list_verification_events(pb::ListVerificationEventsRequest {
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!first.next_page_token.is_empty());
    post_many(&app, 2..8, 1).await;
    let err = loop {
        let page = app
            .events()
            .list_verification_events(pb::ListVerificationEventsRequest {
                page_size: 1,
                page_token: first.next_page_token.clone(),
                ..Default::default()
            })
            .await;
        match page {
            Err(e) => break e,
            Ok(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    };
    assert_eq!(err.code(), Code::OutOfRange);
    let info = err.get_error_details().error_info().cloned().unwrap();
    assert_eq!(info.reason, "CURSOR_EXPIRED");
}
