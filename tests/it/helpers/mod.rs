//! Test harness: `spawn_app()` starts the real gateway on 127.0.0.1:0 in front of a scripted
//! upstream (`upstream::FakeUpstream`) and hands out real tonic clients. Configs are built from
//! values; the process environment is never touched.
pub mod emulator;
pub mod fixtures;
pub mod process;
pub mod signing;
pub mod upstream;

use atelio_gateway::{
    app::App,
    config::{Config, Secret, StoreBackend},
    proto::v1::{
        beneficial_owner_service_client::BeneficialOwnerServiceClient,
        business_service_client::BusinessServiceClient,
        customer_service_client::CustomerServiceClient,
    },
};
use std::sync::Arc;

use atelio_gateway::idempotency::{SystemClock, WallClock};
use tokio::sync::oneshot;
use tonic::transport::Channel;
use tonic_types::StatusExt;

pub use upstream::{FakeUpstream, Reply};

/// The identity the gateway sends to the fake upstream.
pub const IDENTITY: &str = "test-identity-4f1c";
/// The API secret the gateway sends to the fake upstream.
pub const AUTHORIZATION: &str = "test-secret-9d2e7a";

/// A running gateway and its scripted upstream.
pub struct TestApp {
    /// The scripted Atelio.
    pub upstream: FakeUpstream,
    /// A channel to the gateway.
    pub channel: Channel,
    /// The gateway's gRPC address.
    pub addr: std::net::SocketAddr,
    /// `http://127.0.0.1:PORT/webhooks/atelio`.
    pub webhook_url: String,
    /// The webhook listener's address (for raw TCP).
    pub webhook_addr: std::net::SocketAddr,
    /// Webhook outcome counters.
    pub counters: Arc<atelio_gateway::webhook::WebhookCounters>,
    stop: Option<oneshot::Sender<()>>,
}

impl TestApp {
    pub fn customers(&self) -> CustomerServiceClient<Channel> {
        CustomerServiceClient::new(self.channel.clone())
    }
    pub fn businesses(&self) -> BusinessServiceClient<Channel> {
        BusinessServiceClient::new(self.channel.clone())
    }
    pub fn owners(&self) -> BeneficialOwnerServiceClient<Channel> {
        BeneficialOwnerServiceClient::new(self.channel.clone())
    }
    pub fn events(&self) -> atelio_gateway::proto::v1::verification_event_service_client::VerificationEventServiceClient<Channel>{
        atelio_gateway::proto::v1::verification_event_service_client::VerificationEventServiceClient::new(self.channel.clone())
    }
    /// Stops the gateway (as on SIGTERM) without dropping the test's handles.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for TestApp {
    /// Every test also checks, for every request the upstream saw, that the credentials were
    /// sent and that exactly the POSTs carried an Idempotency-Key.
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if std::thread::panicking() {
            return;
        }
        for r in self.upstream.requests() {
            assert_credentials(&r);
            let has_key = r.header("idempotency-key").is_some_and(|k| !k.is_empty());
            assert_eq!(
                has_key,
                r.method == "POST",
                "{} {}: Idempotency-Key on POSTs only",
                r.method,
                r.path
            );
        }
    }
}

/// A config pointing at `base_url` with test credentials and an ephemeral port.
pub fn test_config(base_url: &str) -> Config {
    let mut c = Config::default();
    c.server.grpc_addr = "127.0.0.1:0".parse().expect("addr");
    c.upstream.base_url = base_url.to_string();
    c.upstream.identity = Some(Secret::new(IDENTITY));
    c.upstream.authorization = Some(Secret::new(AUTHORIZATION));
    c.upstream.attempt_timeout_ms = 5_000;
    c.idempotency.store = StoreBackend::Memory;
    c.retry.base_delay_ms = 5;
    c.retry.max_delay_ms = 40;
    c.webhook.listen_addr = "127.0.0.1:0".parse().expect("addr");
    c.admin.listen_addr = "127.0.0.1:0".parse().expect("addr");
    c.webhook.secrets = vec![Secret::new(signing::SECRET)];
    c.events.store = StoreBackend::Memory;
    c.events.heartbeat_ms = 200;
    c.auth.mode = Some(atelio_gateway::config::AuthMode::Off);
    c
}

/// A gateway that makes exactly one attempt per call (to observe the raw error mapping).
pub async fn spawn_no_retry() -> TestApp {
    spawn_app_with(|c| c.retry.max_attempts = 1).await
}

/// Starts the gateway in front of a fresh scripted upstream.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Same, with a config adjustment.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let upstream = FakeUpstream::start().await;
    let mut config = test_config(&upstream.base_url());
    adjust(&mut config);
    spawn_with_config(upstream, config).await
}

/// Starts the gateway with an explicit config.
pub async fn spawn_with_config(upstream: FakeUpstream, config: Config) -> TestApp {
    spawn_with_clock(upstream, config, Arc::new(SystemClock)).await
}

/// Starts the gateway with an explicit config and the wall clock its idempotency store uses.
pub async fn spawn_with_clock(
    upstream: FakeUpstream,
    config: Config,
    clock: Arc<dyn WallClock>,
) -> TestApp {
    let app = App::build_with_clock(config, clock)
        .await
        .expect("gateway builds");
    let addr = app.grpc_addr();
    let webhook_addr = app.webhook_addr();
    let webhook_url = format!(
        "http://{webhook_addr}{}",
        atelio_gateway::webhook::WEBHOOK_PATH
    );
    let counters = app.webhook_counters();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let channel = Channel::from_shared(format!("http://{addr}"))
        .expect("uri")
        .connect_lazy();
    TestApp {
        upstream,
        channel,
        addr,
        webhook_url,
        webhook_addr,
        counters,
        stop: Some(stop),
    }
}

/// The single request the upstream saw (fails if there were none or several).
pub fn only_request(app: &TestApp) -> upstream::Recorded {
    let all = app.upstream.requests();
    assert_eq!(
        all.len(),
        1,
        "expected exactly one upstream request, saw {}",
        all.len()
    );
    all.into_iter().next().expect("one request")
}

/// Asserts the Atelio credentials were sent, raw, on this request.
pub fn assert_credentials(r: &upstream::Recorded) {
    assert_eq!(r.header("identity").as_deref(), Some(IDENTITY));
    assert_eq!(r.header("authorization").as_deref(), Some(AUTHORIZATION));
}

/// The Idempotency-Key the gateway must derive for an anonymous caller.
pub fn expected_key(method: &str, request_id: &str) -> String {
    atelio_gateway::idempotency::derive_key("anonymous", method, request_id)
}

/// Asserts an INVALID_ARGUMENT listing exactly `fields` and no upstream traffic.
pub fn assert_invalid<T: std::fmt::Debug>(
    app: &TestApp,
    result: Result<T, tonic::Status>,
    fields: &[&str],
) {
    let err = result.expect_err("the request must be rejected");
    assert_eq!(err.code(), tonic::Code::InvalidArgument, "{err:?}");
    let br = err
        .get_error_details()
        .bad_request()
        .cloned()
        .expect("BadRequest details");
    let mut got: Vec<_> = br
        .field_violations
        .iter()
        .map(|v| v.field.as_str())
        .collect();
    got.sort();
    got.dedup();
    let mut want = fields.to_vec();
    want.sort();
    assert_eq!(got, want);
    let info = err
        .get_error_details()
        .error_info()
        .cloned()
        .expect("ErrorInfo");
    assert_eq!(info.reason, "INVALID_REQUEST");
    assert_eq!(
        app.upstream.count(),
        0,
        "invalid input must not reach Atelio"
    );
}

/// A loopback port free a moment ago (for a listener whose URL must be known before it binds).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}
