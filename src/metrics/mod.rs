//! Prometheus metrics (the `prometheus` crate), one process-wide registry served as text on the
//! admin listener's `/metrics`. Every boundary records here: the gRPC edge (`grpc::handle`), the
//! upstream pipeline (attempts, retries, give-ups, rate limit, breaker), the idempotency step,
//! the webhook router and the event relay. Labels carry routes, methods, codes and reasons only,
//! never ids or request data.
mod mirror;
mod overload;

use std::sync::LazyLock;

pub use mirror::MirrorMetrics;
pub use overload::Overload;

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts,
    Registry, TextEncoder, exponential_buckets,
};

/// Every series the gateway exports.
pub struct Metrics {
    registry: Registry,
    /// RPCs by caller, service, method and gRPC code.
    pub rpc_requests: IntCounterVec,
    /// RPC latency by service and method, seconds.
    pub rpc_seconds: HistogramVec,
    /// Upstream attempts by route and HTTP status (`error` when no answer came).
    pub upstream_requests: IntCounterVec,
    /// Upstream attempt latency by route, seconds.
    pub upstream_seconds: HistogramVec,
    /// Retries by the reason of the failed attempt.
    pub upstream_retries: IntCounterVec,
    /// Calls given up by reason.
    pub upstream_give_ups: IntCounterVec,
    /// Calls that waited for a rate-limit permit.
    pub rate_limit_waits: IntCounter,
    /// Calls refused for lack of a permit in time.
    pub rate_limit_rejections: IntCounter,
    /// Upstream permits by class (`mutating`, `read`, `reconciliation`) and outcome
    /// (`granted`, `waited`, `refused`; reconciliation: `granted`, `deferred`).
    pub rate_limit_permits: IntCounterVec,
    /// Circuit breaker: 0 closed, 1 half-open, 2 open.
    pub breaker_state: IntGauge,
    /// The managed webhook subscription: 0 not managed, 1 ensured, 2 failing.
    pub webhook_subscription_state: IntGauge,
    /// Idempotency outcomes: `replay`, `mismatch`, `in_flight_wait`.
    pub idempotency: IntCounterVec,
    /// Webhooks by outcome: accepted, duplicate, unknown, bad_signature, stale, malformed,
    /// unparseable, store_failed.
    pub webhooks: IntCounterVec,
    /// Open event streams.
    pub subscribers: IntGauge,
    /// Events appended to the log.
    pub events_stored: IntCounter,
    /// How far behind the latest event a subscriber's read started, in events.
    pub subscriber_lag: Histogram,
    /// 1 while the shared (Redis) rate limit answers, 0 on the local fallback or without one.
    pub rate_limit_shared: IntGauge,
    /// 1 while the shared Redis answers PING (only with a Redis store or shared rate limit).
    pub redis_up: IntGauge,
    /// Calls refused by caller authentication, by code (`UNAUTHENTICATED`, `PERMISSION_DENIED`).
    pub auth_rejections: IntCounterVec,
    /// Reloads of the caller tokens file by outcome (`loaded`, `invalid`).
    pub auth_reloads: IntCounterVec,
    /// Listeners, connections and admission: what was refused, shed or closed, and why.
    pub overload: Overload,
    /// The verification mirror and reconciliation.
    pub mirror: MirrorMetrics,
}

pub(super) fn counter(r: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let c = IntCounterVec::new(Opts::new(name, help), labels).expect("valid counter");
    r.register(Box::new(c.clone())).expect("unique name");
    c
}

fn histogram(
    r: &Registry,
    name: &str,
    help: &str,
    labels: &[&str],
    buckets: Vec<f64>,
) -> HistogramVec {
    let h = HistogramVec::new(HistogramOpts::new(name, help).buckets(buckets), labels)
        .expect("valid histogram");
    r.register(Box::new(h.clone())).expect("unique name");
    h
}

pub(super) fn single<T: prometheus::core::Collector + Clone + 'static>(r: &Registry, m: T) -> T {
    r.register(Box::new(m.clone())).expect("unique name");
    m
}

fn seconds() -> Vec<f64> {
    exponential_buckets(0.0005, 2.0, 16).expect("valid buckets")
}

impl Metrics {
    fn new() -> Metrics {
        let r = Registry::new_custom(Some("atelio_gateway".into()), None).expect("registry");
        let gauge = |name: &str, help: &str| single(&r, IntGauge::new(name, help).expect("gauge"));
        let plain =
            |name: &str, help: &str| single(&r, IntCounter::new(name, help).expect("counter"));
        Metrics {
            rpc_requests: counter(
                &r,
                "rpc_requests_total",
                "RPCs by caller, service, method and code",
                &["caller", "service", "method", "code"],
            ),
            rpc_seconds: histogram(
                &r,
                "rpc_duration_seconds",
                "RPC latency",
                &["service", "method"],
                seconds(),
            ),
            upstream_requests: counter(
                &r,
                "upstream_requests_total",
                "Atelio attempts by route and HTTP status",
                &["route", "status"],
            ),
            upstream_seconds: histogram(
                &r,
                "upstream_duration_seconds",
                "Atelio attempt latency",
                &["route"],
                seconds(),
            ),
            upstream_retries: counter(
                &r,
                "upstream_retries_total",
                "Atelio retries by reason",
                &["reason"],
            ),
            upstream_give_ups: counter(
                &r,
                "upstream_give_ups_total",
                "Atelio calls given up, by reason",
                &["reason"],
            ),
            rate_limit_waits: plain(
                "rate_limit_waits_total",
                "Calls that waited for an upstream permit",
            ),
            rate_limit_rejections: plain(
                "rate_limit_rejections_total",
                "Calls refused an upstream permit",
            ),
            rate_limit_permits: counter(
                &r,
                "rate_limit_permits_total",
                "Upstream permits by class and outcome",
                &["class", "outcome"],
            ),
            breaker_state: gauge(
                "breaker_state",
                "Circuit breaker: 0 closed, 1 half-open, 2 open",
            ),
            webhook_subscription_state: gauge(
                "webhook_subscription_state",
                "Managed webhook subscription: 0 not managed, 1 ensured, 2 failing",
            ),
            idempotency: counter(
                &r,
                "idempotency_outcomes_total",
                "Idempotency replays, mismatches and in-flight waits",
                &["outcome"],
            ),
            webhooks: counter(&r, "webhooks_total", "Webhooks by outcome", &["outcome"]),
            subscribers: gauge("event_subscribers", "Open event streams"),
            events_stored: plain("events_stored_total", "Events appended to the log"),
            subscriber_lag: single(
                &r,
                Histogram::with_opts(
                    HistogramOpts::new(
                        "subscriber_lag_events",
                        "Events between a subscriber's cursor and the latest",
                    )
                    .buckets(exponential_buckets(1.0, 4.0, 10).expect("buckets")),
                )
                .expect("histogram"),
            ),
            rate_limit_shared: gauge(
                "rate_limit_shared",
                "1 while the shared Redis rate limit answers, 0 on the local fallback",
            ),
            redis_up: gauge("redis_up", "1 while the shared Redis answers"),
            auth_rejections: counter(
                &r,
                "auth_rejections_total",
                "Calls refused by caller authentication, by code",
                &["code"],
            ),
            auth_reloads: counter(
                &r,
                "auth_reloads_total",
                "Caller token file reloads by outcome",
                &["outcome"],
            ),
            overload: Overload::new(&r),
            mirror: MirrorMetrics::new(&r),
            registry: r,
        }
    }

    /// The Prometheus text exposition of every series.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// The process-wide metrics.
pub fn get() -> &'static Metrics {
    &METRICS
}

/// `atelio.gateway.v1.CustomerService/CreateCustomer` → (`CustomerService`, `CreateCustomer`).
pub fn split_method(full: &str) -> (&str, &str) {
    let (service, method) = full.rsplit_once('/').unwrap_or(("", full));
    (service.rsplit('.').next().unwrap_or(service), method)
}

/// The canonical name of a gRPC code (`OK`, `INVALID_ARGUMENT`, …), for metric labels.
pub fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code as C;
    match code {
        C::Ok => "OK",
        C::Cancelled => "CANCELLED",
        C::Unknown => "UNKNOWN",
        C::InvalidArgument => "INVALID_ARGUMENT",
        C::DeadlineExceeded => "DEADLINE_EXCEEDED",
        C::NotFound => "NOT_FOUND",
        C::AlreadyExists => "ALREADY_EXISTS",
        C::PermissionDenied => "PERMISSION_DENIED",
        C::ResourceExhausted => "RESOURCE_EXHAUSTED",
        C::FailedPrecondition => "FAILED_PRECONDITION",
        C::Aborted => "ABORTED",
        C::OutOfRange => "OUT_OF_RANGE",
        C::Unimplemented => "UNIMPLEMENTED",
        C::Internal => "INTERNAL",
        C::Unavailable => "UNAVAILABLE",
        C::DataLoss => "DATA_LOSS",
        C::Unauthenticated => "UNAUTHENTICATED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_render_with_the_prefix_and_labels() {
        get().webhooks.with_label_values(&["accepted"]).inc();
        let text = get().render();
        assert!(
            text.contains("atelio_gateway_webhooks_total{outcome=\"accepted\"}"),
            "{text}"
        );
        assert_eq!(
            split_method("atelio.gateway.v1.CustomerService/GetCustomer"),
            ("CustomerService", "GetCustomer")
        );
    }
}
