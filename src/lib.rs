//! # atelio-gateway
//!
//! A gRPC gateway in front of the Atelio REST API (customers, KYC, businesses, KYB and
//! beneficial owners). Internal services speak gRPC; the gateway validates at the edge and
//! translates each call into the REST request Atelio documents.
//!
//! ```text
//!  internal service ──gRPC──▶ grpc/ ─▶ grpc/convert (validate → domain/commands)
//!        ─▶ upstream/routes (REST call as data) ─▶ upstream/client ──HTTPS──▶ Atelio
//!  ◀── grpc/decode (lenient JSON → proto) ◀── grpc/status (one error mapping) ◀──┘
//!
//!  Atelio ──webhook POST──▶ webhook/ (verify ▸ parse ▸ dedupe) ─▶ events/ (durable log ▸ hub)
//!        ─▶ grpc/events (one resumable stream per subscriber)
//! ```
//!
//! | module | place in the flow |
//! | --- | --- |
//! | [`config`] | one typed, validated configuration tree (file + `ATELIO_GATEWAY__` env) |
//! | [`app`] | binds the listeners, assembles the gRPC server, runs until stopped |
//! | [`auth`] | caller authentication: bearer tokens → caller name, per-method permissions |
//! | [`grpc`] | the services, request conversion, response decoding, status mapping, paging |
//! | [`domain`] | validated values and commands (no IO) |
//! | [`upstream`] | REST routes, the pipeline (breaker, rate limit, retries), the HTTP client, lenient decoding |
//! | [`idempotency`] | at-most-once mutating calls: coordinator, stores, upstream keys |
//! | [`storage`] | the SQLite actor (one thread, batched transactions) shared by stores |
//! | [`deadline`] | the per-call deadline every wait is bounded by |
//! | [`uncertain`] | whether an earlier attempt of a call may have taken effect (lost answers) |
//! | [`webhook`] | the webhook listener: verify `Bond-Signature`, parse, dedupe, store |
//! | [`events`] | the durable event log, the fan-out hub and the subscriber streams |
//! | [`telemetry`] | the tracing subscriber (JSON or pretty logs) |
//! | [`probe`] | the `health-probe` command (Helm test, image HEALTHCHECK) |
//! | [`proto`] | generated code and the reflection descriptor set |
pub mod app;
pub mod atelio_json;
pub mod auth;
pub mod clock;
pub mod cmd;
pub mod config;
pub mod deadline;
pub mod domain;
pub mod events;
pub mod grpc;
pub mod idempotency;
pub mod metrics;
pub mod proto;
pub mod sandbox;
pub mod status_info;
pub mod storage;
pub mod telemetry;
pub mod uncertain;
pub mod upstream;
pub mod webhook;
