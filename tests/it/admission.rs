//! gRPC admission control over real gRPC: each bound trips and answers at once with
//! `RESOURCE_EXHAUSTED`, ErrorInfo `OVERLOADED` naming the config key, and RetryInfo; health
//! checks keep answering while calls are shed; a freed place serves again; one caller at its
//! bound does not shed another.
use std::{io::Write, time::Duration};

use atelio_gateway::config::AuthMode;
use atelio_gateway::proto::v1 as pb;
use pb::subscribe_verification_events_request::Start;
use tonic::{Code, Status};
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
use tonic_types::StatusExt;

use crate::helpers::fixtures::get_customer_as as get;
use crate::helpers::{fixtures::*, *};

/// Bounds how long a test waits for the gateway to act; not a timed assertion.
const PATIENCE: Duration = Duration::from_secs(20);

/// Asserts `s` is a shed answer naming `key`.
pub fn assert_shed(s: &Status, key: &str) {
    assert_eq!(s.code(), Code::ResourceExhausted, "{s:?}");
    let d = s.get_error_details();
    let info = d.error_info().expect("ErrorInfo");
    assert_eq!(info.reason, "OVERLOADED");
    assert_eq!(info.metadata.get("limit").map(String::as_str), Some(key));
    let retry = d
        .retry_info()
        .expect("RetryInfo")
        .retry_delay
        .expect("delay");
    assert_eq!(retry, Duration::from_secs(1));
}

fn slow_customer(app: &TestApp) {
    let slow = Reply::json(200, customer_json()).with_delay(Duration::from_millis(1_500));
    app.upstream.on_prefix("GET", "/customers/", vec![slow]);
}

/// Starts a call that stays in flight (the upstream is slow) and waits until it is.
async fn one_in_flight(
    app: &TestApp,
    token: Option<&'static str>,
) -> tokio::task::JoinHandle<Result<(), Status>> {
    let before = app.upstream.count();
    let mut client = app.customers();
    let call = tokio::spawn(async move { client.get_customer(get(token)).await.map(|_| ()) });
    tokio::time::timeout(PATIENCE, async {
        while app.upstream.count() == before {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the call reaches the upstream");
    call
}

async fn serving(app: &TestApp) -> bool {
    let req = HealthCheckRequest {
        service: String::new(),
    };
    let status = HealthClient::new(app.channel.clone()).check(req).await;
    status.is_ok_and(|r| r.into_inner().status == 1)
}

#[tokio::test]
async fn unary_calls_beyond_max_in_flight_are_shed_while_health_still_answers() {
    let app = spawn_app_with(|c| c.server.max_in_flight = 1).await;
    slow_customer(&app);
    let first = one_in_flight(&app, None).await;
    let shed = app.customers().get_customer(get(None)).await.unwrap_err();
    assert_shed(&shed, "server.max_in_flight");
    assert!(serving(&app).await, "health checks are never shed");
    first.await.unwrap().expect("the admitted call completes");
    app.customers()
        .get_customer(get(None))
        .await
        .expect("its place is free again");
    assert_eq!(app.upstream.count(), 2, "a shed call never reaches Atelio");
}

const A: &str = "caller-a-token-0123456789abcdef";
const B: &str = "caller-b-token-0123456789abcdef";

fn tokens_file() -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    for (name, token) in [("a", A), ("b", B)] {
        let entry =
            format!("[[caller]]\nname = \"{name}\"\ntoken = \"{token}\"\nmethods = [\"*\"]\n\n");
        f.write_all(entry.as_bytes()).unwrap();
    }
    f
}

#[tokio::test]
async fn one_caller_at_its_bound_is_shed_and_another_is_not() {
    let file = tokens_file();
    let path = file.path().to_path_buf();
    let app = spawn_app_with(move |c| {
        c.auth.mode = Some(AuthMode::Tokens);
        c.auth.tokens_file = Some(path);
        c.server.max_in_flight_per_caller = 1;
    })
    .await;
    slow_customer(&app);
    let first = one_in_flight(&app, Some(A)).await;
    let shed = app
        .customers()
        .get_customer(get(Some(A)))
        .await
        .unwrap_err();
    assert_shed(&shed, "server.max_in_flight_per_caller");
    app.customers()
        .get_customer(get(Some(B)))
        .await
        .expect("another caller is admitted");
    first.await.unwrap().expect("the admitted call completes");
}

async fn subscribe(app: &TestApp) -> Result<impl Sized, Status> {
    let req = pb::SubscribeVerificationEventsRequest {
        filter: None,
        start: Some(Start::FromNow(true)),
    };
    app.events().subscribe_verification_events(req).await
}

#[tokio::test]
async fn subscriptions_beyond_either_cap_are_shed_and_a_closed_one_frees_its_place() {
    for (global, per_caller, key) in [
        (1, 5, "events.max_subscriptions"),
        (5, 1, "events.max_subscriptions_per_caller"),
    ] {
        let app = spawn_app_with(|c| {
            c.events.max_subscriptions = global;
            c.events.max_subscriptions_per_caller = per_caller;
        })
        .await;
        let open = subscribe(&app).await.expect("the first is admitted");
        assert_shed(&subscribe(&app).await.err().expect("shed"), key);
        drop(open);
        let again = tokio::time::timeout(PATIENCE, async {
            while subscribe(&app).await.is_err() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        again.await.expect("a closed subscription frees its place");
    }
}

#[tokio::test]
async fn health_watch_streams_are_bounded_and_checks_still_answer() {
    let app = spawn_app_with(|c| c.server.max_health_watches = 1).await;
    let watch = |app: &TestApp| {
        let mut h = HealthClient::new(app.channel.clone());
        async move {
            let req = HealthCheckRequest {
                service: String::new(),
            };
            h.watch(req).await
        }
    };
    let _open = watch(&app).await.expect("the first watch is admitted");
    let err = watch(&app).await.expect_err("the second is shed");
    assert_shed(&err, "server.max_health_watches");
    assert!(serving(&app).await);
}
