//! # atelio-gateway
//!
//! A gRPC gateway in front of the Atelio REST API (customers, KYC, businesses, KYB and
//! beneficial owners). Internal services speak gRPC; the gateway validates at the edge,
//! translates each call into the REST request Atelio documents, and relays Atelio's signed
//! webhooks to subscribers as a resumable stream. The README says how to run and call it;
//! `docs/` holds the reference.
//!
//! ## The way out: one RPC, step by step
//!
//! | step | what happens | file |
//! | --- | --- | --- |
//! | 1 | gRPC listener: TLS, size limits, default deadline, health, reflection | `app/server.rs`, `app/health.rs` |
//! | 2 | caller authentication (bearer token → caller, per-method rights) | `auth/layer.rs`, `auth/table.rs` |
//! | 3 | the service method: call context (caller, deadline), span, log, metrics, replay marks | `grpc/mod.rs` (`serve`, `handle`), `deadline.rs` |
//! | 4 | validate and convert the request into a domain command | `grpc/convert/`, `domain/` |
//! | 5 | at most once per `request_id`: begin / replay / wait / mismatch, store the outcome | `grpc/idempotent.rs`, `grpc/replay.rs`, `idempotency/` (store, backends, keys) |
//! | 6 | the command as a documented REST call (data, with its Idempotency-Key) | `upstream/routes/`, `upstream/request.rs` |
//! | 7 | circuit breaker | `upstream/breaker/` |
//! | 8 | shared rate limit (per caller, then the replica-wide or Redis-shared budget) | `upstream/rate_limit/` (`callers.rs`, `shared.rs`), `upstream/tokio_clock.rs` |
//! | 9 | one HTTP attempt; lost answers marked uncertain | `upstream/pipeline/`, `upstream/client.rs`, `uncertain.rs` |
//! | 10 | retry decision (pure) within a retry budget, backoff | `upstream/retry/` (`budget.rs`) |
//! | 11 | Atelio's JSON read leniently; error bodies classified | `atelio_json/`, `upstream/atelio_error/`, `upstream/error.rs` |
//! | 12 | an earlier attempt's lost outcome found again | `grpc/recover/` |
//! | 13 | the answer decoded into proto, paging tokens | `grpc/decode/`, `grpc/paging.rs` |
//! | 14 | every failure mapped once to a status with ErrorInfo / BadRequest / RetryInfo | `grpc/status/` (`upstream.rs`: Atelio's errors), `status_info.rs` |
//!
//! ## The way in: one webhook, step by step
//!
//! | step | what happens | file |
//! | --- | --- | --- |
//! | 1 | the webhook listener (own threads, body limit, timeout) | `app/server.rs` (`webhook`), `webhook/router.rs` |
//! | 2 | `Bond-Signature` verified against every accepted secret | `webhook/verify/` |
//! | 3 | parsed into a typed event (or refused as not JSON) | `webhook/parse/`, `atelio_json/` |
//! | 4 | filed under its subject (beneficial owners remembered from RPCs) | `events/owners.rs` |
//! | 5 | dedupe key, durable append, then the answer (200 / 401 / 400 / 503) | `webhook/parse/` (`dedupe_key`), `events/hub/`, `webhook/answer.rs` |
//! | 6 | the log: memory, SQLite (`storage/sqlite/` actor) or Redis | `events/log/`, `events/memory_log.rs`, `events/sqlite_log/`, `events/redis_log.rs` |
//! | 7 | fan-out: the hub's tail and `watch`, each subscriber at its own pace; on a shared Redis log, the follower publishes other replicas' events | `events/hub/`, `events/subscription.rs`, `events/follow.rs` |
//! | 8 | the stream, List and Get RPCs; cursors; ends mapped to statuses | `grpc/events.rs`, `events/cursor.rs`, `events/encode.rs` |
//!
//! ## Modules
//!
//! Flows: [`grpc`] (the edge), [`domain`] (validated values, no IO), [`idempotency`] (records
//! and their stores), [`upstream`] (the way out), [`webhook`] and [`events`] (the way in),
//! [`mirror`] (verification state: answers, reconciliation, the pending list).
//! Infrastructure: [`app`] (assembly, listeners, health, shutdown), [`config`] (one typed tree;
//! `config.default.toml` documents every key), [`auth`], [`admission`] (gRPC overload bounds),
//! [`reload`] (files reloaded without a restart), [`storage`] (SQLite actor, Redis connection), [`telemetry`] (logs, traces), [`metrics`] (Prometheus), [`deadline`],
//! [`uncertain`], [`clock`], [`atelio_json`], [`status_info`], [`proto`] (generated code).
//! Products: [`sandbox`] (the Atelio emulator) and [`cmd`] (the subcommands; `main.rs` only
//! parses and dispatches).
//!
//! Layers only call down: nothing under `grpc` imports `grpc`, `app` or `cmd`, and the webhook
//! side never imports the outbound client (`tests/it/house.rs` checks it).
pub mod admission;
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
pub mod mirror;
pub mod proto;
pub mod reload;
pub mod sandbox;
pub mod status_info;
pub mod storage;
pub mod subscription;
pub mod telemetry;
pub mod uncertain;
pub mod upstream;
pub mod webhook;
