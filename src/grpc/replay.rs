//! Stored outcomes: a success is the encoded response message; a definitive rejection is the
//! gRPC status (code, message and rich details) as JSON. Replaying decodes them back.
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use serde::{Deserialize, Serialize};
use tonic::{Code, Status};

use crate::idempotency::Outcome;

#[derive(Serialize, Deserialize)]
struct StoredStatus {
    code: i32,
    message: String,
    details: String,
}

/// A success to store.
pub fn success<T: prost::Message>(response: &T) -> Outcome {
    Outcome {
        ok: true,
        payload: response.encode_to_vec(),
    }
}

/// A definitive rejection to store.
pub fn rejection(status: &Status) -> Outcome {
    let stored = StoredStatus {
        code: status.code() as i32,
        message: status.message().to_string(),
        details: B64.encode(status.details()),
    };
    Outcome {
        ok: false,
        payload: serde_json::to_vec(&stored).unwrap_or_default(),
    }
}

/// The stored outcome as the RPC's result: the response, or the stored status.
pub fn replay<T: prost::Message + Default>(o: &Outcome) -> Result<T, Status> {
    if o.ok {
        return T::decode(o.payload.as_slice())
            .map_err(|_| Status::internal("a stored idempotent response could not be decoded"));
    }
    let s: StoredStatus = serde_json::from_slice(&o.payload)
        .map_err(|_| Status::internal("a stored idempotent error could not be decoded"))?;
    let details = B64.decode(s.details).unwrap_or_default();
    Err(Status::with_details(
        Code::from_i32(s.code),
        s.message,
        details.into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic_types::{ErrorDetails, StatusExt};

    #[test]
    fn a_response_round_trips() {
        let msg = prost_types::Duration {
            seconds: 7,
            nanos: 3,
        };
        assert_eq!(
            replay::<prost_types::Duration>(&success(&msg)).unwrap(),
            msg
        );
    }

    #[test]
    fn a_rejection_round_trips_with_its_details() {
        let mut d = ErrorDetails::new();
        d.set_error_info(
            "CUSTOMER_DNE",
            "atelio.com",
            std::collections::HashMap::new(),
        );
        let status = Status::with_error_details(Code::NotFound, "Atelio answered HTTP 404", d);
        let back = replay::<prost_types::Duration>(&rejection(&status)).unwrap_err();
        assert_eq!(
            (back.code(), back.message()),
            (Code::NotFound, "Atelio answered HTTP 404")
        );
        assert_eq!(
            back.get_error_details().error_info().unwrap().reason,
            "CUSTOMER_DNE"
        );
    }
}
