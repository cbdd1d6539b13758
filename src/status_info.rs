//! The one builder of the gateway's own gRPC statuses: code, a fixed message and
//! `google.rpc.ErrorInfo` (reason, domain `atelio-gateway`), plus `RetryInfo` when retrying
//! helps. Used by `grpc::status` (the RPC edge) and by `auth` (the layer in front of it), so
//! every status a client sees carries a machine-readable reason.
use std::{collections::HashMap, time::Duration};

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// ErrorInfo domain of errors raised by the gateway itself.
pub const GATEWAY_DOMAIN: &str = "atelio-gateway";

/// A gateway status with ErrorInfo `reason` and, when `retry` is set, RetryInfo.
pub fn gateway(code: Code, reason: &str, message: &str, retry: Option<Duration>) -> Status {
    let mut d = ErrorDetails::new();
    d.set_error_info(reason, GATEWAY_DOMAIN, HashMap::new());
    if retry.is_some() {
        d.set_retry_info(retry);
    }
    Status::with_error_details(code, message, d)
}
