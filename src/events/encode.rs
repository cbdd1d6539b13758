//! ParsedEvent ↔ the proto `VerificationEvent`. The log stores the encoded message without its
//! position; `with_position` adds cursor, sequence and received time when it is read back.
use bytes::Bytes;
use prost::Message;

use super::log::StoredEvent;
use super::model::{EventKind, Origin, ParsedEvent, Subject};
use crate::proto::v1 as pb;

/// The proto kind of a model kind.
pub fn kind(k: EventKind) -> pb::VerificationEventKind {
    use pb::VerificationEventKind as P;
    match k {
        EventKind::KycSuccess => P::KycSuccess,
        EventKind::KycFailure => P::KycFailure,
        EventKind::KycError => P::KycError,
        EventKind::KycTimeout => P::KycTimeout,
        EventKind::KycDocumentRequired => P::KycDocumentRequired,
        EventKind::KycUnderReview => P::KycUnderReview,
        EventKind::KycReenterInformation => P::KycReenterInformation,
        EventKind::KybApproved => P::KybApproved,
        EventKind::KybRejected => P::KybRejected,
        EventKind::KybWarning => P::KybWarning,
        EventKind::KybError => P::KybError,
        EventKind::KybInitiated => P::KybInitiated,
        EventKind::Unknown => P::Unknown,
    }
}

/// The model kind of a proto kind (None for UNSPECIFIED or unknown numbers).
pub fn model_kind(raw: i32) -> Option<EventKind> {
    let p = pb::VerificationEventKind::try_from(raw).ok()?;
    EventKind::ALL.iter().copied().find(|k| kind(*k) == p)
}

fn subject(s: &Subject) -> Option<pb::verification_event::Subject> {
    use pb::verification_event::Subject as P;
    match s {
        Subject::Customer(id) => Some(P::CustomerId(id.clone())),
        Subject::BeneficialOwner(id) => Some(P::BeneficialOwnerId(id.clone())),
        Subject::Business(id) => Some(P::BusinessId(id.clone())),
        Subject::None => None,
    }
}

fn origin(o: Origin) -> pb::EventOrigin {
    match o {
        Origin::Webhook => pb::EventOrigin::Webhook,
        Origin::Reconciled => pb::EventOrigin::Reconciled,
    }
}

/// A proto timestamp of milliseconds since the epoch.
pub fn timestamp(ms: i64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: ms.div_euclid(1000),
        nanos: (ms.rem_euclid(1000) * 1_000_000) as i32,
    }
}

/// The stored payload of a parsed event (no position yet).
pub fn payload(e: &ParsedEvent) -> Bytes {
    let expire_time = e.context.documents_expire_at_ms.map(timestamp);
    let docs = e.documents.iter().map(|d| pb::KycDocument {
        document_type: d.document_type.clone(),
        upload_link: d.upload_link.clone(),
        status: d.status.clone(),
        expire_time,
    });
    let details = e.kyb_details.iter().map(|d| pb::KybDetail {
        code: d.code.clone(),
        reason: d.reason.clone(),
    });
    let msg = pb::VerificationEvent {
        kind: kind(e.kind) as i32,
        event_name: e.event_name.clone(),
        subject: subject(&e.subject),
        occurred_at: e.occurred_at.map(|t| timestamp(t.timestamp_millis())),
        occurred_at_raw: e.occurred_at_raw.clone(),
        documents: docs.collect(),
        fields: e.fields.clone(),
        reasons: e.reasons.iter().cloned().collect(),
        reasons_text: e.reasons_text.clone(),
        error_code: e.error_code.clone(),
        description: e.description.clone(),
        kyb_details: details.collect(),
        inquiry_id: e.inquiry_id.clone(),
        raw_json: e.raw_json.clone(),
        origin: origin(e.context.origin) as i32,
        program_id: e.context.program_id.clone(),
        document_request_preceded: e.context.document_request_preceded,
        ..Default::default()
    };
    Bytes::from(msg.encode_to_vec())
}

/// A stored event as the proto message, with its cursor, sequence and received time.
pub fn with_position(s: &StoredEvent) -> pb::VerificationEvent {
    let mut msg = pb::VerificationEvent::decode(s.payload.clone()).unwrap_or_else(|_| {
        pb::VerificationEvent {
            kind: pb::VerificationEventKind::Unknown as i32,
            ..Default::default()
        }
    });
    msg.cursor = super::cursor::encode(s.sequence);
    msg.sequence = s.sequence;
    msg.received_at = Some(timestamp(s.received_at_ms));
    msg
}
