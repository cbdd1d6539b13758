//! What `grpc.health.v1` reports. The Atelio services are NOT_SERVING while the circuit breaker
//! is open (Atelio is failing; the overall status "" stays SERVING, since restarting or
//! unreadying every replica would not bring Atelio back). Everything, "" included, is
//! NOT_SERVING while the shared Redis does not answer (no replica can keep its promises then) and,
//! for good, once shutdown begins. With a managed webhook subscription, the key
//! `atelio.gateway.WebhookSubscription` says whether Atelio confirmed it (it follows nothing
//! else, and nothing follows it: probes use ""). This file owns the service keys (the generated names), the
//! initial SERVING and the task that keeps them current; the server only mounts the result.
use tokio::{sync::watch, task::JoinHandle};
use tonic::server::NamedService;
use tonic_health::ServingStatus::{self, NotServing, Serving};
use tonic_health::pb::health_server::{Health, HealthServer};

use crate::grpc::{Gateway, events::EventsApi};
use crate::proto::v1::{
    beneficial_owner_service_server::BeneficialOwnerServiceServer,
    business_service_server::BusinessServiceServer, customer_service_server::CustomerServiceServer,
    verification_event_service_server::VerificationEventServiceServer,
};
use crate::upstream::breaker::BreakerState;

/// The health keys of the Atelio-facing services (they follow the breaker).
const ATELIO_SERVICES: [&str; 3] = [
    <CustomerServiceServer<Gateway> as NamedService>::NAME,
    <BusinessServiceServer<Gateway> as NamedService>::NAME,
    <BeneficialOwnerServiceServer<Gateway> as NamedService>::NAME,
];

/// The keys that follow only Redis and shutdown: the overall status and the events service.
const OTHER_KEYS: [&str; 2] = [
    "",
    <VerificationEventServiceServer<EventsApi> as NamedService>::NAME,
];

/// What health follows.
pub struct Inputs {
    /// The upstream breaker's state.
    pub breaker: watch::Receiver<BreakerState>,
    /// Becomes true when shutdown begins (drain).
    pub draining: watch::Receiver<bool>,
    /// Whether the shared Redis answers (`None`: no Redis in use).
    pub redis_up: Option<watch::Receiver<bool>>,
    /// Whether the managed webhook subscription is ensured (`None`: not managed, no key).
    pub subscription: Option<watch::Receiver<bool>>,
}

/// The health key of the managed webhook subscription (SERVING once Atelio confirmed it).
pub const SUBSCRIPTION_KEY: &str = "atelio.gateway.WebhookSubscription";

/// The health service, every key SERVING, and the task that keeps it current (abort it once
/// the server has stopped).
pub async fn serve(inputs: Inputs) -> (HealthServer<impl Health>, JoinHandle<()>) {
    let (reporter, service) = tonic_health::server::health_reporter();
    set_all(&reporter, Serving, Serving).await;
    (service, tokio::spawn(track(reporter, inputs)))
}

async fn set_all(
    reporter: &tonic_health::server::HealthReporter,
    atelio: ServingStatus,
    rest: ServingStatus,
) {
    for name in ATELIO_SERVICES {
        reporter.set_service_status(name, atelio).await;
    }
    for name in OTHER_KEYS {
        reporter.set_service_status(name, rest).await;
    }
}

async fn changed(rx: &mut Option<watch::Receiver<bool>>) -> bool {
    match rx {
        Some(rx) => rx.changed().await.is_ok(),
        None => std::future::pending().await,
    }
}

/// Keeps the health statuses in line with the breaker, Redis and shutdown until draining.
async fn track(reporter: tonic_health::server::HealthReporter, inputs: Inputs) {
    let Inputs {
        breaker: mut states,
        mut draining,
        mut redis_up,
        mut subscription,
    } = inputs;
    loop {
        if let Some(s) = subscription.as_mut() {
            let ok = if *s.borrow_and_update() {
                Serving
            } else {
                NotServing
            };
            reporter.set_service_status(SUBSCRIPTION_KEY, ok).await;
        }
        let redis = redis_up.as_mut().is_none_or(|r| *r.borrow_and_update());
        let breaker_open = matches!(*states.borrow_and_update(), BreakerState::Open);
        let rest = if redis { Serving } else { NotServing };
        let atelio = if redis && !breaker_open {
            Serving
        } else {
            NotServing
        };
        set_all(&reporter, atelio, rest).await;
        tokio::select! {
            ok = states.changed() => if ok.is_err() { break },
            ok = changed(&mut redis_up) => if !ok { redis_up = None },
            ok = changed(&mut subscription) => if !ok { subscription = None },
            _ = draining.wait_for(|d| *d) => break,
        }
    }
    let _ = draining.wait_for(|d| *d).await;
    set_all(&reporter, NotServing, NotServing).await;
    if subscription.is_some() {
        reporter
            .set_service_status(SUBSCRIPTION_KEY, NotServing)
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keys_are_the_generated_service_names() {
        assert_eq!(ATELIO_SERVICES[0], "atelio.gateway.v1.CustomerService");
        assert_eq!(OTHER_KEYS[1], "atelio.gateway.v1.VerificationEventService");
    }
}
