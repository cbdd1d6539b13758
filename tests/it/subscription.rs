//! The webhook subscription the gateway manages (`webhook.public_url`), against the emulator's
//! `/webhooks`: created at start with no secret configured and its secret taken from Atelio's
//! answer (a KYC outcome arrives by webhook); a rotated secret picked up after the first bad
//! signature (the retried delivery is accepted); on a restart the disabled subscription is
//! re-enabled and given its missing events, and an enabled one reused — never a second one.
use std::time::Duration;

use atelio_gateway::app::App;
use atelio_gateway::config::{Config, Secret};
use atelio_gateway::proto::v1 as pb;
use pb::customer_service_client::CustomerServiceClient;
use pb::subscribe_verification_events_request::Start;
use pb::verification_event_service_client::VerificationEventServiceClient;
use serde_json::json;
use tonic::transport::Channel;

use crate::helpers::emulator::{self, Emulator};
use crate::helpers::{fixtures, test_config};
use crate::sandbox::e2e::{Events, next_event};

struct Gateway {
    channel: Channel,
    _stop: tokio::sync::oneshot::Sender<()>,
}

fn config(emu: &Emulator, port: u16) -> Config {
    let mut c = test_config(&emu.handle.base_url());
    c.upstream.identity = Some(Secret::new(emulator::IDENTITY));
    c.upstream.authorization = Some(Secret::new(emulator::AUTHORIZATION));
    c.webhook.secrets = Vec::new();
    c.webhook.listen_addr = format!("127.0.0.1:{port}").parse().expect("addr");
    c.webhook.public_url = Some(public_url(port));
    c
}

fn public_url(port: u16) -> String {
    format!(
        "http://127.0.0.1:{port}{}",
        atelio_gateway::webhook::WEBHOOK_PATH
    )
}

async fn start(config: Config) -> Gateway {
    // A gateway just stopped may hold the port for a moment.
    let mut tries = 0;
    let app = loop {
        match App::build(config.clone()).await {
            Ok(app) => break app,
            Err(e) if tries < 50 => {
                tries += 1;
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("gateway builds: {e}"),
        }
    };
    let addr = app.grpc_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let channel = Channel::from_shared(format!("http://{addr}"))
        .expect("uri")
        .connect_lazy();
    Gateway {
        channel,
        _stop: stop,
    }
}

/// Waits until the emulator holds a subscription for `url` that passes `ok`; all of `url`'s.
async fn subscriptions_for(
    emu: &Emulator,
    url: &str,
    ok: impl Fn(&atelio_gateway::sandbox::Subscription) -> bool,
) -> Vec<atelio_gateway::sandbox::Subscription> {
    let until = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mine: Vec<_> = emu
            .handle
            .subscriptions()
            .into_iter()
            .filter(|s| s.url == url)
            .collect();
        if mine.iter().any(&ok) {
            return mine;
        }
        assert!(
            tokio::time::Instant::now() < until,
            "subscription ensured: {mine:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn managed(s: &atelio_gateway::sandbox::Subscription) -> bool {
    let has = |e: &str| s.events.iter().any(|x| x == e);
    s.status == "STATUS_ENABLED" && has("kyc.*") && has("kyb.*")
}

async fn subscribe(gw: &Gateway) -> Events {
    let req = pb::SubscribeVerificationEventsRequest {
        filter: None,
        start: Some(Start::FromNow(true)),
    };
    VerificationEventServiceClient::new(gw.channel.clone())
        .subscribe_verification_events(req)
        .await
        .expect("subscribe")
        .into_inner()
}

async fn pass_kyc(gw: &Gateway, n: usize) {
    let mut customers = CustomerServiceClient::new(gw.channel.clone());
    let created = customers
        .create_customer(pb::CreateCustomerRequest {
            customer: Some(fixtures::customer()),
            request_id: format!("c-{n}"),
        })
        .await
        .expect("create")
        .into_inner();
    let kyc = pb::StartCustomerKycRequest {
        customer_id: created.customer.expect("customer").customer_id,
        program_id: emulator::PROGRAM.into(),
        request_id: format!("k-{n}"),
        ..Default::default()
    };
    customers.start_customer_kyc(kyc).await.expect("start");
}

#[tokio::test]
async fn the_subscription_is_created_its_rotated_secret_picked_up_and_reused_on_restart() {
    let emu = Emulator::start(atelio_gateway::sandbox::SandboxConfig {
        webhook_retry_base: Duration::from_millis(250),
        ..emulator::config()
    })
    .await;
    let port = crate::helpers::free_port();
    let url = public_url(port);
    let gw = start(config(&emu, port)).await;
    let created = subscriptions_for(&emu, &url, managed).await;
    assert_eq!(created.len(), 1, "created once");
    assert_eq!(
        subscription_health(&gw).await,
        1,
        "SERVING once Atelio confirmed it"
    );

    // Verified with the secret from Atelio's answer: the outcome comes by webhook.
    let mut events = subscribe(&gw).await;
    pass_kyc(&gw, 1).await;
    let e = next_event(&mut events).await;
    assert_eq!(e.origin(), pb::EventOrigin::Webhook);

    // Rotated in the portal: the first delivery fails, the gateway re-reads, the retry passes.
    emu.handle.rotate_secret(&created[0].id);
    pass_kyc(&gw, 2).await;
    let e = next_event(&mut events).await;
    assert_eq!(e.origin(), pb::EventOrigin::Webhook, "{e:?}");
    drop((events, gw));

    // Disabled and narrowed meanwhile: a restart re-enables it and adds the events back.
    let path = format!("/webhooks/{}", created[0].id);
    let body = json!({ "status": "STATUS_DISABLED", "events": ["card*"] });
    assert_eq!(emu.call("PATCH", &path, Some(body)).await.0, 200);
    let gw = start(config(&emu, port)).await;
    let updated = subscriptions_for(&emu, &url, managed).await;
    assert_eq!(updated.len(), 1, "updated, not created again");
    assert!(
        updated[0].events.iter().any(|e| e == "card*"),
        "other events kept"
    );
    drop(gw);

    // Enabled and complete: reused as it is.
    let gw = start(config(&emu, port)).await;
    let mut events = subscribe(&gw).await;
    pass_kyc(&gw, 3).await;
    assert_eq!(
        next_event(&mut events).await.origin(),
        pb::EventOrigin::Webhook
    );
    let reused = subscriptions_for(&emu, &url, managed).await;
    assert_eq!(reused.len(), 1);
    assert_eq!(
        reused[0].updated_time, updated[0].updated_time,
        "not touched"
    );
}

/// `atelio-gateway subscriptions ARGS` against the emulator; exit success and stdout.
async fn operator(emu: &Emulator, args: &[&str]) -> (bool, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_atelio-gateway"));
    cmd.env_clear()
        .arg("subscriptions")
        .args(args)
        .env("ATELIO_GATEWAY__UPSTREAM__BASE_URL", emu.handle.base_url())
        .env("ATELIO_GATEWAY__UPSTREAM__IDENTITY", emulator::IDENTITY)
        .env(
            "ATELIO_GATEWAY__UPSTREAM__AUTHORIZATION",
            emulator::AUTHORIZATION,
        )
        .env("ATELIO_GATEWAY__WEBHOOK__PUBLIC_URL", OPERATOR_URL);
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("runs"))
        .await
        .expect("task");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

const OPERATOR_URL: &str = "https://gateway.example.test/webhooks/atelio";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_ensure_and_list_from_the_command_line_without_seeing_a_secret() {
    let emu = Emulator::start(emulator::config()).await;
    let (ok, out) = operator(&emu, &["ensure"]).await;
    assert!(ok && out.starts_with("created "), "{out}");
    let (ok, out) = operator(&emu, &["ensure"]).await;
    assert!(ok && out.starts_with("reused "), "{out}");
    let (ok, out) = operator(&emu, &["list"]).await;
    assert!(ok, "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.contains(OPERATOR_URL) && out.contains("STATUS_ENABLED") && out.contains("kyc.*,kyb.*")
    );
    let secret = &emu.handle.subscriptions()[0].secret;
    assert!(
        !out.contains(secret.as_str()) && !out.contains("whsec_"),
        "{out}"
    );
}

/// The health status of the managed subscription's key, once it is set (1 SERVING, 2 NOT_SERVING).
async fn subscription_health(gw: &Gateway) -> i32 {
    let mut health = tonic_health::pb::health_client::HealthClient::new(gw.channel.clone());
    let until = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let req = tonic_health::pb::HealthCheckRequest {
            service: "atelio.gateway.WebhookSubscription".into(),
        };
        if let Ok(r) = health.check(req).await {
            let status = r.into_inner().status;
            if status == 1 || tokio::time::Instant::now() > until {
                return status;
            }
        }
        assert!(tokio::time::Instant::now() < until, "the key is reported");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn while_atelio_cannot_confirm_the_subscription_its_health_key_is_not_serving() {
    let emu = Emulator::start(emulator::config()).await;
    let atelio = crate::helpers::FakeUpstream::start().await;
    atelio.on("GET", "/webhooks", vec![crate::helpers::Reply::empty(503)]);
    let port = crate::helpers::free_port();
    let mut cfg = config(&emu, port);
    cfg.upstream.base_url = atelio.base_url();
    cfg.retry.max_attempts = 1;
    let gw = start(cfg).await;
    // Two list calls: the first ensure failed and its backoff ran out.
    let until = tokio::time::Instant::now() + Duration::from_secs(10);
    while atelio.hits("GET", "/webhooks") < 2 {
        assert!(
            tokio::time::Instant::now() < until,
            "the gateway tries to ensure it"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut health = tonic_health::pb::health_client::HealthClient::new(gw.channel.clone());
    let key = |service: &str| tonic_health::pb::HealthCheckRequest {
        service: service.into(),
    };
    let sub = health
        .check(key("atelio.gateway.WebhookSubscription"))
        .await;
    assert_eq!(sub.expect("the key is registered").into_inner().status, 2);
    let overall = health.check(key("")).await.expect("overall").into_inner();
    assert_eq!(overall.status, 1, "the gateway still serves");
}
