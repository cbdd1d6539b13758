//! Unit tests of the mirror: the record's rules, and relaying through the mirror with a memory
//! store and a memory event log (webhook and reconciliation, in both orders); the store
//! contract on every backend.
mod record;
mod relay;
mod stores;
