//! What every listener shares so it is safe to expose: an accept loop that backs off when
//! accepting fails (EMFILE: the process is out of file descriptors) instead of spinning, a cap
//! on open connections answered by closing the newest at once, and, for the HTTP/1.1 webhook
//! port, connection deadlines (a silent connection and a half-sent request header are closed).
//! `app/server.rs` mounts them; `fd_limit` raises the process's descriptor limit at start.
mod accept;
mod deadlines;
pub mod fd_limit;
mod http1;

pub use accept::{Slots, incoming};
pub use deadlines::Timeouts;
pub use http1::serve as serve_http1;
