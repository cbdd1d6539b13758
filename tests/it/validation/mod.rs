//! Validation at the edge, by resource: every broken rule answers INVALID_ARGUMENT with a
//! BadRequest naming its field, and nothing reaches the upstream.
mod businesses_owners_and_paging;
mod customers;
