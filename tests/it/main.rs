//! The integration suite: one binary, the real gateway on 127.0.0.1:0, a real tonic client and a
//! scripted upstream on loopback. Each file holds the behaviours of one area.
mod helpers;

mod auth;
mod business_addresses_kyb;
mod businesses;
mod config_cli;
mod crash;
mod customer_kyc;
mod customers;
mod errors;
mod event_stream;
mod idempotency;
mod logs;
mod metrics;
mod mtls;
mod owner_kyc;
mod owners;
mod polyglot;
mod probe;
mod redis_events;
mod redis_replicas;
mod resilience;
mod sandbox_api;
mod sandbox_business;
mod sandbox_e2e;
mod sandbox_e2e_business;
mod sandbox_endpoints;
mod sandbox_faults;
mod sandbox_kyc;
mod sandbox_quirks;
mod server;
mod shutdown;
mod tracing;
mod validation;
mod validation_more;
mod webhooks;
