//! KYC bodies for customers and beneficial owners: start, status and document upload
//! (docs/reference/atelio-api.md §2.4, §2.7 BOK1–BOK2). A start whose answer was lost (`idempotency_key_exists`:
//! the start was already accepted under this key, or an undecodable body) is recovered by reading
//! the current status; a start that Atelio refuses because a verification is already running
//! (409 `kyc_init_fail`) is reconciled the same way. A lost document upload is recovered when the
//! status shows the documents arrived.
use super::{Call, Gateway, GatewayError, convert, decode, mirrored, recover};
use crate::domain::{ResourceId, Violations};
use crate::mirror::state::SubjectKind;
use crate::proto::v1 as pb;
use crate::upstream::UpstreamRequest;
use crate::upstream::routes::{customer as customer_route, owner as owner_route};

pub use crate::upstream::error::KEY_EXISTS;
/// Atelio's code for "a KYC is already in progress for this subject".
pub const INIT_FAIL: &str = "kyc_init_fail";

/// Sends a KYC/KYB start; when its answer was lost, or a verification already runs, reads
/// `status` instead (a lost answer's status is marked recovered).
pub async fn start_or_read(
    gw: &Gateway,
    call: &Call,
    start: UpstreamRequest,
    status: UpstreamRequest,
) -> Result<serde_json::Value, GatewayError> {
    match gw.json(call, start).await {
        Err(e) if recover::is_lost_outcome(&e) => {
            tracing::info!(
                route = status.route,
                "start's answer lost; reading the status"
            );
            let body = gw.json(call, status).await?;
            call.marks.mark_recovered();
            Ok(body)
        }
        Err(GatewayError::Upstream(e)) if e.code() == Some(INIT_FAIL) => {
            tracing::info!(
                route = status.route,
                "a verification already runs; reading it"
            );
            gw.json(call, status).await
        }
        other => other,
    }
}

/// StartCustomerKyc.
pub async fn start_customer(
    gw: Gateway,
    call: Call,
    r: pb::StartCustomerKycRequest,
) -> Result<pb::StartCustomerKycResponse, GatewayError> {
    let (id, kyc) = convert::kyc::start_customer(&r, gw.default_program())?;
    gw.once(&call, &r, async {
        let start = customer_route::start_kyc(&id, &kyc, call.key(&r.request_id));
        let body = start_or_read(
            &gw,
            &call,
            start,
            customer_route::kyc_status(&id, &kyc.program_id),
        )
        .await?;
        let key = mirrored::key(SubjectKind::Customer, &id, Some(&kyc.program_id));
        mirrored::started(&gw, key, None, &body).await;
        let o = decode::object(&body, "a KYC start")?;
        let (kyc_status, kyc_status_raw) = decode::kyc_status(o.str("kyc_status"));
        let customer_id = o
            .str("customer_id")
            .unwrap_or_else(|| id.as_str().to_string());
        Ok(pb::StartCustomerKycResponse {
            customer_id,
            kyc_status,
            kyc_status_raw,
        })
    })
    .await
}

/// GetCustomerKycStatus.
pub async fn customer_status(
    gw: Gateway,
    call: Call,
    r: pb::GetCustomerKycStatusRequest,
) -> Result<pb::GetCustomerKycStatusResponse, GatewayError> {
    let mut v = Violations::new();
    let id = convert::id(&mut v, "customer_id", &r.customer_id);
    let program = convert::program(&mut v, "program_id", &r.program_id, gw.default_program());
    let (Some(id), Some(program)) = (id, program) else {
        return Err(v.into());
    };
    let key = mirrored::key(SubjectKind::Customer, &id, Some(&program));
    let req = customer_route::kyc_status(&id, &program);
    let staleness = r.max_staleness.as_ref();
    let (body, provenance) = mirrored::status(&gw, &call, key, None, staleness, req).await?;
    let verification = decode::kyc_verification(&body, &["customer_id"])?;
    Ok(pb::GetCustomerKycStatusResponse {
        verification: Some(verification),
        provenance: Some(provenance),
    })
}

/// SubmitCustomerKycDocuments.
pub async fn submit_documents(
    gw: Gateway,
    call: Call,
    r: pb::SubmitCustomerKycDocumentsRequest,
) -> Result<pb::SubmitCustomerKycDocumentsResponse, GatewayError> {
    let (id, docs) = convert::documents::submit_documents(&r)?;
    gw.once(&call, &r, async {
        let send = async {
            let key = call.key(&r.request_id);
            let up = customer_route::submit_documents(&id, &docs, key);
            let body = gw.json(&call, up).await?;
            let o = decode::object(&body, "a document upload")?;
            Ok(pb::SubmitCustomerKycDocumentsResponse {
                customer_id: o
                    .str("customer_id")
                    .unwrap_or_else(|| id.as_str().to_string()),
                num_documents_submitted: o.i64("num_documents_submitted").unwrap_or_default()
                    as i32,
            })
        };
        recover::or_find(&call, send, || async {
            // The upload names no program: the status read uses the configured default.
            let program = gw.default_program().map(ResourceId::parse);
            let Some(Ok(program)) = program else {
                return Ok(None);
            };
            let body = gw
                .json(&call, customer_route::kyc_status(&id, &program))
                .await?;
            let v = decode::kyc_verification(&body, &["customer_id"])?;
            Ok(
                documents_arrived(&v).then(|| pb::SubmitCustomerKycDocumentsResponse {
                    customer_id: id.as_str().to_string(),
                    num_documents_submitted: docs.count() as i32,
                }),
            )
        })
        .await
    })
    .await
}

/// Whether a KYC status shows that the upload arrived: the verification moved on (review or a
/// verdict), or a requested document is marked `submitted`.
fn documents_arrived(v: &pb::KycVerification) -> bool {
    use pb::KycStatus as S;
    let moved_on = [S::UnderReview, S::Passed, S::Failed]
        .iter()
        .any(|s| *s as i32 == v.kyc_status);
    moved_on
        || v.documents
            .iter()
            .any(|d| d.status.eq_ignore_ascii_case("submitted"))
}

/// StartBeneficialOwnerKyc.
pub async fn start_owner(
    gw: Gateway,
    call: Call,
    r: pb::StartBeneficialOwnerKycRequest,
) -> Result<pb::StartBeneficialOwnerKycResponse, GatewayError> {
    let (b, o, kyc) = convert::owner::start_kyc(&r, gw.default_program())?;
    gw.owners_seen([o.as_str()]);
    gw.once(&call, &r, async {
        let start = owner_route::start_kyc(&b, &o, &kyc, call.key(&r.request_id));
        let body = start_or_read(
            &gw,
            &call,
            start,
            owner_route::kyc_status(&b, &o, &kyc.program_id),
        )
        .await?;
        let key = mirrored::key(SubjectKind::BeneficialOwner, &o, Some(&kyc.program_id));
        mirrored::started(&gw, key, Some(&b), &body).await;
        let obj = decode::object(&body, "a KYC start")?;
        let (kyc_status, kyc_status_raw) = decode::kyc_status(obj.str("kyc_status"));
        let beneficial_owner_id = obj
            .str_any(&["beneficial_owner_id", "customer_id"])
            .unwrap_or_else(|| o.as_str().to_string());
        Ok(pb::StartBeneficialOwnerKycResponse {
            beneficial_owner_id,
            kyc_status,
            kyc_status_raw,
        })
    })
    .await
}

/// GetBeneficialOwnerKycStatus.
pub async fn owner_status(
    gw: Gateway,
    call: Call,
    r: pb::GetBeneficialOwnerKycStatusRequest,
) -> Result<pb::GetBeneficialOwnerKycStatusResponse, GatewayError> {
    let mut v = Violations::new();
    let b = convert::id(&mut v, "business_id", &r.business_id);
    let o = convert::id(&mut v, "beneficial_owner_id", &r.beneficial_owner_id);
    let program = convert::program(&mut v, "program_id", &r.program_id, gw.default_program());
    let (Some(b), Some(o), Some(program)) = (b, o, program) else {
        return Err(v.into());
    };
    gw.owners_seen([o.as_str()]);
    let key = mirrored::key(SubjectKind::BeneficialOwner, &o, Some(&program));
    let req = owner_route::kyc_status(&b, &o, &program);
    let staleness = r.max_staleness.as_ref();
    let (body, provenance) = mirrored::status(&gw, &call, key, Some(&b), staleness, req).await?;
    let verification = decode::kyc_verification(&body, &["beneficial_owner_id", "customer_id"])?;
    Ok(pb::GetBeneficialOwnerKycStatusResponse {
        verification: Some(verification),
        provenance: Some(provenance),
    })
}
