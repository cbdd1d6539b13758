//! The gRPC edge. Each service method is the same short recipe: fix the deadline, convert the
//! request into a validated command (`convert`), run the upstream part at most once per
//! `request_id` (`Gateway::once` → `idempotent`, outcomes kept by `replay`), send the REST call through the pipeline (`upstream`), decode
//! the answer (`decode`), and map any failure in one place (`status`).
pub mod address_rpcs;
pub mod addresses;
pub mod businesses;
pub mod coalesce;
pub mod convert;
pub mod customers;
pub mod decode;
pub mod events;
pub mod idempotent;
pub mod kyb;
pub mod kyc;
pub mod mirrored;
pub mod owners;
pub mod paging;
pub mod pending;
pub mod recover;
pub mod replay;
pub mod status;

use std::{future::Future, sync::Arc, time::Instant};

use tonic::{Request, Response, Status, metadata::MetadataValue};
use tracing::Instrument;

pub use idempotent::{Idempotency, Marks, RequestId};
pub use status::{GatewayError, to_status};

use crate::{
    deadline::Deadline,
    idempotency,
    metrics::code_name,
    uncertain::Uncertain,
    upstream::{UpstreamRequest, UpstreamResponse, pipeline::Upstream},
};

/// Response metadata marking an answer replayed from the idempotency store.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
/// Response metadata marking an answer recovered after an earlier attempt's answer was lost.
pub const RECOVERED_HEADER: &str = "idempotent-recovered";

pub use crate::auth::ANONYMOUS_CALLER;

/// What every service shares: the upstream pipeline, the idempotency step and call defaults.
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

struct Inner {
    upstream: Arc<Upstream>,
    idempotency: Idempotency,
    default_deadline: std::time::Duration,
    default_program: Option<String>,
    owners: Arc<crate::events::owners::KnownOwners>,
    mirror: Option<Arc<crate::mirror::Mirror>>,
    flights: coalesce::Flights,
}

/// One RPC in flight: its name, caller and deadline.
#[derive(Clone, Debug)]
pub struct Call {
    /// Full method name, e.g. `atelio.gateway.v1.CustomerService/CreateCustomer`.
    pub method: &'static str,
    /// Who is calling (the idempotency scope).
    pub caller: String,
    /// When the call must be done.
    pub deadline: Deadline,
    /// Whether an earlier attempt of this operation may have taken effect upstream.
    pub uncertain: Uncertain,
    /// How the answer came about (replayed, recovered), for its response metadata.
    pub marks: Marks,
}

impl Call {
    /// The context of a call by `caller` that must finish by `deadline`.
    pub fn new(method: &'static str, caller: impl Into<String>, deadline: Deadline) -> Self {
        Call {
            method,
            caller: caller.into(),
            deadline,
            uncertain: Uncertain::new(),
            marks: Marks::default(),
        }
    }

    /// The caller named by the auth layer, or [`ANONYMOUS_CALLER`] when caller auth is off.
    pub fn caller_of<T>(req: &Request<T>) -> String {
        req.extensions()
            .get::<crate::auth::Caller>()
            .map_or_else(|| ANONYMOUS_CALLER.to_string(), |c| c.0.to_string())
    }

    /// The upstream Idempotency-Key for this call and its `request_id`.
    pub fn key(&self, request_id: &str) -> String {
        idempotency::key_for(&self.caller, self.method, request_id)
    }
}

impl Gateway {
    /// Shares the pipeline and the idempotency step among the services.
    pub fn new(
        upstream: Arc<Upstream>,
        idempotency: Idempotency,
        default_deadline: std::time::Duration,
        default_program: Option<String>,
    ) -> Self {
        Gateway {
            inner: Arc::new(Inner {
                upstream,
                idempotency,
                default_deadline,
                default_program,
                owners: Arc::default(),
                mirror: None,
                flights: coalesce::Flights::default(),
            }),
        }
    }

    /// Shares the set of ids seen as beneficial owners with the webhook path (call before the
    /// gateway is cloned).
    pub fn with_known_owners(mut self, owners: Arc<crate::events::owners::KnownOwners>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.owners = owners;
        }
        self
    }

    /// Feeds and reads the verification mirror (call before the gateway is cloned).
    pub fn with_mirror(mut self, mirror: Arc<crate::mirror::Mirror>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.mirror = Some(mirror);
        }
        self
    }

    /// The verification mirror, when configured.
    pub fn mirror(&self) -> Option<&Arc<crate::mirror::Mirror>> {
        self.inner.mirror.as_ref()
    }

    /// Remembers ids seen as beneficial owners, so their events are filed as theirs.
    pub fn owners_seen<'a>(&self, ids: impl IntoIterator<Item = &'a str>) {
        for id in ids {
            self.inner.owners.remember(id);
        }
    }

    /// The call context of an incoming request.
    pub fn call<T>(&self, req: &Request<T>, method: &'static str) -> Call {
        let deadline = Deadline::from_metadata(req.metadata(), self.inner.default_deadline);
        Call::new(method, Call::caller_of(req), deadline)
    }

    /// The configured default program id.
    pub fn default_program(&self) -> Option<&str> {
        self.inner.default_program.as_deref()
    }

    /// The upstream pipeline (its breaker feeds health).
    pub fn upstream(&self) -> &Arc<Upstream> {
        &self.inner.upstream
    }

    /// The idempotency coordinator (its store is purged in the background).
    pub fn idempotency(&self) -> &Idempotency {
        &self.inner.idempotency
    }

    /// Runs the upstream part of a mutating RPC at most once per `request_id` (step 3).
    pub async fn once<M, T>(
        &self,
        call: &Call,
        req: &M,
        op: impl Future<Output = Result<T, GatewayError>>,
    ) -> Result<T, GatewayError>
    where
        M: prost::Message + RequestId,
        T: prost::Message + Default,
    {
        self.inner.idempotency.once(call, req, op).await
    }

    /// Sends one REST call through the pipeline (breaker, rate limit, retries) within the
    /// call's deadline.
    pub async fn send(
        &self,
        call: &Call,
        req: UpstreamRequest,
    ) -> Result<UpstreamResponse, GatewayError> {
        let out = self
            .inner
            .upstream
            .execute_marking(&req, &call.caller, call.deadline, &call.uncertain)
            .await;
        if req.method != reqwest::Method::GET {
            self.inner.flights.invalidate();
        }
        Ok(out?)
    }

    /// Identical concurrent status reads in flight (coalesced into one upstream call).
    pub fn flights(&self) -> &coalesce::Flights {
        &self.inner.flights
    }

    /// Sends one REST call and parses the JSON answer.
    pub async fn json(
        &self,
        call: &Call,
        req: UpstreamRequest,
    ) -> Result<serde_json::Value, GatewayError> {
        Ok(self.send(call, req).await?.json()?)
    }
}

/// Serves one RPC: fixes its call context, runs `body` (an async fn of the gateway, the call and
/// the request message) through `handle`.
pub async fn serve<Req, Resp, Fut>(
    gw: &Gateway,
    req: Request<Req>,
    method: &'static str,
    body: impl FnOnce(Gateway, Call, Req) -> Fut,
) -> Result<Response<Resp>, Status>
where
    Fut: Future<Output = Result<Resp, GatewayError>>,
{
    let call = gw.call(&req, method);
    let fut = body(gw.clone(), call.clone(), req.into_inner());
    handle(&call, fut).await
}

/// A request whose only input is one id.
pub fn only_id(field: &str, raw: &str) -> Result<crate::domain::ResourceId, GatewayError> {
    let mut v = crate::domain::Violations::new();
    convert::id(&mut v, field, raw).ok_or(GatewayError::Invalid(v))
}

/// Runs one RPC body inside its span, logs its outcome (method, code, invalid field names,
/// replay, duration; never field values), maps errors to a status and marks replays.
pub async fn handle<T>(
    call: &Call,
    body: impl Future<Output = Result<T, GatewayError>>,
) -> Result<Response<T>, Status> {
    let span = tracing::info_span!("rpc", rpc.method = call.method, rpc.caller = %call.caller);
    let started = Instant::now();
    let out = body.instrument(span.clone()).await;
    let (replayed, recovered) = (call.marks.replayed(), call.marks.recovered());
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;

    let _entered = span.enter();
    let marker = MetadataValue::from_static("true");
    match out {
        Ok(v) => {
            tracing::info!(code = "OK", replayed, recovered, elapsed_ms, "rpc finished");
            record(call, tonic::Code::Ok, elapsed_ms);
            let mut resp = Response::new(v);
            if replayed {
                resp.metadata_mut().insert(REPLAYED_HEADER, marker.clone());
            }
            if recovered {
                resp.metadata_mut().insert(RECOVERED_HEADER, marker);
            }
            Ok(resp)
        }
        Err(e) => {
            let fields: Option<Vec<String>> = match &e {
                GatewayError::Invalid(v) => Some(v.iter().map(|f| f.field.clone()).collect()),
                _ => None,
            };
            if e.is_internal() {
                tracing::error!(error.cause_chain = ?cause_chain(&e), "rpc failed inside the gateway");
            }
            let mut status = to_status(e);
            record(call, status.code(), elapsed_ms);
            tracing::info!(code = ?status.code(), invalid_fields = ?fields, replayed, elapsed_ms, "rpc failed");
            if replayed {
                status.metadata_mut().insert(REPLAYED_HEADER, marker);
            }
            Err(status)
        }
    }
}

fn record(call: &Call, code: tonic::Code, elapsed_ms: f64) {
    let (service, method) = crate::metrics::split_method(call.method);
    let m = crate::metrics::get();
    m.rpc_requests
        .with_label_values(&[&call.caller, service, method, code_name(code)])
        .inc();
    m.rpc_seconds
        .with_label_values(&[service, method])
        .observe(elapsed_ms / 1000.0);
}

/// `error: cause: cause …`, for one log field (the status sent never carries it).
fn cause_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        next = cause.source();
    }
    out
}
