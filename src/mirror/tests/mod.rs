//! Unit tests of the mirror: the record's rules, and relaying through the mirror with a memory
//! store and a memory event log (webhook and reconciliation, in both orders).
mod record;
mod relay;
