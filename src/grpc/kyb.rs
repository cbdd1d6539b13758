//! KYB bodies: start, status and history (docs/reference/atelio-api.md §2.8 KB1–KB3), plus the KYB list filter.
use super::{Call, Gateway, GatewayError, convert, decode, mirrored, paging};
use crate::atelio_json as lenient;
use crate::domain::{ResourceId, Violations};
use crate::mirror::state::SubjectKind;
use crate::proto::v1 as pb;
use crate::upstream::routes::business as route;

/// StartKyb.
pub async fn start(
    gw: Gateway,
    call: Call,
    r: pb::StartKybRequest,
) -> Result<pb::StartKybResponse, GatewayError> {
    let mut v = Violations::new();
    let id = convert::id(&mut v, "business_id", &r.business_id);
    let program = convert::program(&mut v, "program_id", &r.program_id, gw.default_program());
    let (Some(id), Some(program)) = (id, program) else {
        return Err(v.into());
    };
    gw.once(&call, &r, async {
        let start = route::start_kyb(&id, &program, call.key(&r.request_id));
        let body =
            super::kyc::start_or_read(&gw, &call, start, route::kyb_status(&id, Some(&program)))
                .await?;
        let key = mirrored::key(SubjectKind::Business, &id, None);
        mirrored::started(&gw, key, None, &body).await;
        let mut out = decode::business::start_kyb(&body)?;
        if out.business_id.is_empty() {
            out.business_id = id.as_str().to_string();
        }
        Ok(out)
    })
    .await
}

/// GetKybStatus.
pub async fn status(
    gw: Gateway,
    call: Call,
    r: pb::GetKybStatusRequest,
) -> Result<pb::GetKybStatusResponse, GatewayError> {
    let mut v = Violations::new();
    let id = convert::id(&mut v, "business_id", &r.business_id);
    let program = v.optional("program_id", &r.program_id, ResourceId::parse);
    let (Some(id), Some(program)) = (id, program) else {
        return Err(v.into());
    };
    let key = mirrored::key(SubjectKind::Business, &id, None);
    let req = route::kyb_status(&id, program.as_ref());
    let staleness = r.max_staleness.as_ref();
    let (body, provenance) = mirrored::status(&gw, &call, key, None, staleness, req).await?;
    let mut out = decode::business::kyb(&body)?;
    out.provenance = Some(provenance);
    Ok(out)
}

/// ListKybHistory.
pub async fn history(
    gw: Gateway,
    call: Call,
    r: pb::ListKybHistoryRequest,
) -> Result<pb::ListKybHistoryResponse, GatewayError> {
    let mut v = Violations::new();
    let id = convert::id(&mut v, "business_id", &r.business_id);
    let page = paging::page_request(r.page_size, &r.page_token, paging::KYB_HISTORY, "", &mut v);
    let (Some(id), Some(page)) = (id, page) else {
        return Err(v.into());
    };
    let body = gw.json(&call, route::kyb_history(&id, page)).await?;
    let (items, info) = lenient::list_items(&body);
    let entries: Vec<_> = items
        .into_iter()
        .map(decode::business::history_entry)
        .collect();
    let next_page_token = paging::next_token(page, entries.len(), info, "");
    Ok(pb::ListKybHistoryResponse {
        entries,
        next_page_token,
    })
}

/// The `kyb_status` list filter in Atelio's spelling (`under review` is sent as `under+review`).
pub fn filter(v: &mut Violations, raw: i32) -> Option<&'static str> {
    use pb::KybStatus as K;
    match K::try_from(raw) {
        Ok(K::Unspecified) => None,
        Ok(K::Initiated) => Some("initiated"),
        Ok(K::Approved) => Some("approved"),
        Ok(K::Rejected) => Some("rejected"),
        Ok(K::Warning) => Some("warning"),
        Ok(K::Error) => Some("error"),
        Ok(K::UnderReview) => Some("under review"),
        Err(_) => {
            v.add("kyb_status", "is not a known value");
            None
        }
    }
}
