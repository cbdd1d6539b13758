//! The Atelio emulator's conformance suite: the emulator alone over HTTP (`api`, `endpoints`,
//! `kyc`, `business`, `quirks`, `faults`) and end to end behind the real gateway (`e2e`,
//! `e2e_business`), each checked against what Atelio documents (docs/reference/atelio-api.md).
mod api;
mod business;
pub(crate) mod e2e;
mod e2e_business;
mod endpoints;
mod faults;
mod kyc;
mod loopback;
mod quirks;
mod reconcile;
mod triggers;
