//! Validated commands: what a gRPC request means once every field passed validation.
//! `grpc/convert/*` builds them from proto messages; `upstream/routes/*` turns them into REST
//! calls. Holding one of these proves the input obeyed Atelio's documented rules.
pub mod business;
pub mod customer;
pub mod kyc;
pub mod owner;

pub use business::*;
pub use customer::*;
pub use kyc::*;
pub use owner::*;

/// A page request in Atelio's terms: 1-based page number and page size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: u32,
    /// Items per page.
    pub size: u32,
}

/// A field update: `Keep` (not in the mask), `Clear` (in the mask, empty), `Set`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Change<T> {
    /// Not being changed.
    #[default]
    Keep,
    /// Being removed (sent as JSON null).
    Clear,
    /// Being set to a value.
    Set(T),
}

impl<T> Change<T> {
    /// Whether this field is part of the update.
    pub fn is_change(&self) -> bool {
        !matches!(self, Change::Keep)
    }
}
