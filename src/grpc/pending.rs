//! ListPendingVerifications: the mirror's pending records (started, no verdict), filtered by
//! state and by how long they have been in it, paged by an opaque token (the last key seen).
//! Answered from the mirror alone: no upstream call.
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};

use super::{GatewayError, decode, mirrored};
use crate::domain::Violations;
use crate::events::encode::timestamp;
use crate::mirror::Mirror;
use crate::mirror::record::Record;
use crate::mirror::state::SubjectKind;
use crate::proto::v1 as pb;

/// Most records examined for one page (filters may skip many).
const MAX_SCAN: usize = 10_000;

/// The request, checked.
struct Query {
    kyc: Vec<i32>,
    kyb: Vec<i32>,
    min_age_ms: i64,
    size: usize,
    after: String,
}

fn query(r: &pb::ListPendingVerificationsRequest) -> Result<Query, GatewayError> {
    let mut v = Violations::new();
    if r.page_size < 0 {
        v.add("page_size", "must not be negative");
    }
    let after = match B64.decode(&r.page_token).map(String::from_utf8) {
        Ok(Ok(after)) => after,
        _ => {
            v.add("page_token", "is not a token this gateway issued");
            String::new()
        }
    };
    let min_age_ms = r
        .min_age
        .as_ref()
        .map_or(0, |d| d.seconds * 1000 + i64::from(d.nanos) / 1_000_000);
    if min_age_ms < 0 {
        v.add("min_age", "must not be negative");
    }
    if r.kyc_statuses
        .iter()
        .any(|s| pb::KycStatus::try_from(*s).is_err())
    {
        v.add("kyc_statuses", "is not a known value");
    }
    if r.kyb_statuses
        .iter()
        .any(|s| pb::KybStatus::try_from(*s).is_err())
    {
        v.add("kyb_statuses", "is not a known value");
    }
    v.finish(Some(()))?;
    let size = match r.page_size {
        0 => 100,
        n => (n as usize).min(1000),
    };
    Ok(Query {
        kyc: r.kyc_statuses.clone(),
        kyb: r.kyb_statuses.clone(),
        min_age_ms,
        size,
        after,
    })
}

/// Since when the record is in its current state.
fn state_since(r: &Record) -> i64 {
    r.history.last().map_or(r.learned_at_ms, |t| t.at_ms)
}

fn wanted(q: &Query, r: &Record, now: i64) -> bool {
    let (kyc, kyb) = statuses(r);
    let by_state = match r.key.kind {
        SubjectKind::Business => q.kyb.is_empty() || q.kyb.contains(&kyb),
        _ => q.kyc.is_empty() || q.kyc.contains(&kyc),
    };
    let by_kind = match r.key.kind {
        SubjectKind::Business => q.kyb.is_empty() && !q.kyc.is_empty(),
        _ => q.kyc.is_empty() && !q.kyb.is_empty(),
    };
    by_state && !by_kind && now.saturating_sub(state_since(r)) >= q.min_age_ms
}

fn statuses(r: &Record) -> (i32, i32) {
    let raw = || Some(r.state_raw.clone());
    match r.key.kind {
        SubjectKind::Business => (0, decode::kyb_status(raw()).0),
        _ => (decode::kyc_status(raw()).0, 0),
    }
}

/// The listing.
pub async fn list(
    mirror: Option<&Mirror>,
    r: pb::ListPendingVerificationsRequest,
) -> Result<pb::ListPendingVerificationsResponse, GatewayError> {
    let q = query(&r)?;
    let Some(mirror) = mirror else {
        return Ok(pb::ListPendingVerificationsResponse::default());
    };
    let now = crate::clock::now_ms();
    let (mut out, mut after, mut scanned) = (Vec::new(), q.after.clone(), 0);
    let mut more = true;
    while out.len() < q.size && more && scanned < MAX_SCAN {
        let rows = mirror.store().pending(&after, q.size).await;
        let rows = rows.map_err(GatewayError::Mirror)?;
        more = rows.len() == q.size;
        scanned += rows.len();
        for rec in rows {
            after = rec.key.text();
            if wanted(&q, &rec, now) {
                out.push(pending(&rec, mirror.document_expiry_ms()));
                if out.len() == q.size {
                    break;
                }
            }
        }
    }
    let next_page_token = if more || out.len() == q.size {
        B64.encode(after.as_bytes())
    } else {
        String::new()
    };
    Ok(pb::ListPendingVerificationsResponse {
        verifications: out,
        next_page_token,
    })
}

fn pending(r: &Record, expiry_ms: i64) -> pb::PendingVerification {
    use pb::pending_verification::Subject as S;
    let id = r.key.id.clone();
    let subject = match r.key.kind {
        SubjectKind::Customer => S::CustomerId(id),
        SubjectKind::BeneficialOwner => S::BeneficialOwnerId(id),
        SubjectKind::Business => S::BusinessId(id),
    };
    let (kyc_status, kyb_status) = statuses(r);
    let expire_time = r.documents_expire_at_ms(expiry_ms).map(timestamp);
    let documents = r.documents.iter().map(|d| pb::KycDocument {
        document_type: d.document_type.clone(),
        upload_link: d.upload_link.clone(),
        status: d.status.clone(),
        expire_time,
    });
    let history = r.history.iter().map(|t| pb::VerificationTransition {
        status_raw: t.state.canonical().to_string(),
        time: Some(timestamp(t.at_ms)),
        learned_from: mirrored::learned_from(t.source) as i32,
    });
    let mut provenance = mirrored::provenance(r);
    provenance.source = pb::StatusSource::Mirror as i32;
    pb::PendingVerification {
        subject: Some(subject),
        owner_business_id: r.business_id.clone().unwrap_or_default(),
        program_id: r.key.program.clone(),
        kyc_status,
        kyb_status,
        status_raw: r.state_raw.clone(),
        start_time: (r.started_at_ms > 0).then(|| timestamp(r.started_at_ms)),
        state_time: Some(timestamp(state_since(r))),
        provenance: Some(provenance),
        documents: documents.collect(),
        documents_requested_time: r.documents_requested_at_ms.map(timestamp),
        next_poll_time: r.next_poll_ms.map(timestamp),
        polls: r.polls,
        history: history.collect(),
    }
}
