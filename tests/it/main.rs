//! The integration suite: one binary, the real gateway on 127.0.0.1:0, a real tonic client and a
//! scripted upstream on loopback. Each file holds the behaviours of one area.
mod helpers;

mod admission;
mod auth;
mod business_addresses_kyb;
mod businesses;
mod chaos;
mod config_cli;
mod crash;
mod customer_kyc;
mod customers;
mod errors;
mod event_stream;
mod house;
mod idempotency;
mod logs;
mod lost_outcome;
mod metrics;
mod mtls;
mod outbound_hygiene;
mod owner_kyc;
mod owners;
mod polyglot;
mod probe;
mod redis_events;
mod redis_replicas;
mod resilience;
mod sandbox;
mod secret_reload;
mod server;
mod shutdown;
mod stalled_subscriber;
mod tracing;
mod validation;
mod webhook_listener;
mod webhooks;
