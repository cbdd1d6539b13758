//! The tower layer in front of the gRPC services (inside caller authentication, so the caller
//! is known): unary calls to the Atelio and event services take an in-flight place (global
//! and per caller), event subscriptions a subscription place per caller and a stall watch,
//! health `Watch` streams a place under a global bound. A call without a place is answered at
//! once with `RESOURCE_EXHAUSTED` and RetryInfo; nothing queues. Health checks and reflection
//! are never shed, so probes keep answering under any load.
use std::{
    collections::HashMap,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use futures_util::future::BoxFuture;
use tonic::Code;
use tonic_types::{ErrorDetails, StatusExt};
use tower::{Layer, Service};

use super::{Admission, closer::closer_of, counts::Refused, watched::Stall, watched::Watched};

/// How long a shed caller is told to wait.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// What a path is, for admission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Health checks and reflection: never shed.
    Open,
    /// A unary call.
    Unary,
    /// `SubscribeVerificationEvents`.
    Subscribe,
    /// `grpc.health.v1.Health/Watch`.
    HealthWatch,
}

fn kind(path: &str) -> Kind {
    match path {
        "/atelio.gateway.v1.VerificationEventService/SubscribeVerificationEvents" => {
            Kind::Subscribe
        }
        "/grpc.health.v1.Health/Watch" => Kind::HealthWatch,
        p if p.starts_with("/atelio.gateway.v1.") => Kind::Unary,
        _ => Kind::Open,
    }
}

/// Wraps the gRPC router with admission control.
#[derive(Clone, Debug)]
pub struct AdmissionLayer {
    admission: Arc<Admission>,
}

impl AdmissionLayer {
    /// The layer for one gateway's admission state.
    pub fn new(admission: Arc<Admission>) -> Self {
        AdmissionLayer { admission }
    }
}

impl<S> Layer<S> for AdmissionLayer {
    type Service = AdmissionService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AdmissionService {
            inner,
            admission: self.admission.clone(),
        }
    }
}

/// The service the layer builds.
#[derive(Clone, Debug)]
pub struct AdmissionService<S> {
    inner: S,
    admission: Arc<Admission>,
}

/// The answer to a shed call: which bound (a metric reason and the config key that sets it).
fn shed(reason: &'static str, key: &'static str) -> http::Response<tonic::body::Body> {
    crate::metrics::get()
        .overload
        .shed
        .with_label_values(&[reason])
        .inc();
    tracing::debug!(reason, "call shed by admission control");
    let mut d = ErrorDetails::new();
    d.set_error_info(
        "OVERLOADED",
        crate::status_info::GATEWAY_DOMAIN,
        HashMap::from([("limit".to_string(), key.to_string())]),
    );
    d.set_retry_info(Some(RETRY_AFTER));
    let msg = format!("the gateway is at its limit ({key}); retry after the delay");
    tonic::Status::with_error_details(Code::ResourceExhausted, msg, d).into_http()
}

fn caller<B>(req: &http::Request<B>) -> Arc<str> {
    req.extensions()
        .get::<crate::auth::Caller>()
        .map_or_else(|| Arc::from(crate::auth::ANONYMOUS_CALLER), |c| c.0.clone())
}

type Answer<E> = BoxFuture<'static, Result<http::Response<tonic::body::Body>, E>>;

impl<S, B> Service<http::Request<B>> for AdmissionService<S>
where
    S: Service<http::Request<B>, Response = http::Response<tonic::body::Body>>,
    S::Future: Send + 'static,
    S::Error: 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = Answer<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let adm = &self.admission;
        let (counts, reasons, stall) = match kind(req.uri().path()) {
            Kind::Open => return Box::pin(self.inner.call(req)),
            Kind::Unary => (&adm.unary, UNARY, None),
            Kind::Subscribe => {
                let stall = closer_of(req.extensions()).map(|closer| Stall {
                    after: adm.stall_after,
                    closer,
                    stop: adm.stop.clone(),
                });
                (&adm.subscriptions, SUBSCRIPTIONS, stall)
            }
            Kind::HealthWatch => (&adm.health_watches, WATCHES, None),
        };
        let place = match counts.take(&caller(&req)) {
            Ok(place) => place,
            Err(refused) => {
                let (reason, key) = reasons(refused);
                let answer = shed(reason, key);
                return Box::pin(async move { Ok(answer) });
            }
        };
        let called = self.inner.call(req);
        Box::pin(async move {
            let response = called.await?;
            Ok(response.map(|body| tonic::body::Body::new(Watched::new(body, place, stall))))
        })
    }
}

type Reasons = fn(Refused) -> (&'static str, &'static str);

const UNARY: Reasons = |r| match r {
    Refused::Global => ("in_flight", "server.max_in_flight"),
    Refused::PerCaller => ("in_flight_per_caller", "server.max_in_flight_per_caller"),
};

const SUBSCRIPTIONS: Reasons = |r| match r {
    Refused::Global => ("subscriptions", "events.max_subscriptions"),
    Refused::PerCaller => (
        "subscriptions_per_caller",
        "events.max_subscriptions_per_caller",
    ),
};

const WATCHES: Reasons = |_| ("health_watches", "server.max_health_watches");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_told_apart() {
        assert_eq!(kind("/grpc.health.v1.Health/Check"), Kind::Open);
        assert_eq!(kind("/grpc.health.v1.Health/Watch"), Kind::HealthWatch);
        assert_eq!(
            kind("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"),
            Kind::Open
        );
        assert_eq!(
            kind("/atelio.gateway.v1.CustomerService/GetCustomer"),
            Kind::Unary
        );
        assert_eq!(
            kind("/atelio.gateway.v1.VerificationEventService/SubscribeVerificationEvents"),
            Kind::Subscribe
        );
    }
}
