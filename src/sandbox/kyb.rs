//! KYB, KB1–KB3 (docs/reference/atelio-api.md §2.8): start (201 `initiated` with a Persona `inquiry_id`, the
//! `program_id` in the body; the business needs an EIN and a phone), status with `details` on a
//! rejection, and the paged history. Sandbox EINs: `11-1111111` approves and `22-2222222`
//! rejects after the outcome delay; any other EIN waits for a manual decision (`under review`).
use std::collections::HashMap;
use std::sync::Arc;

use axum::{
    Json,
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use serde_json::{Value, json};

use super::customers::{BRAND_ID, parse};
use super::error::{ApiError, ApiResult};
use super::state::{Kyb, now_timestamp};
use super::validate::{self as v, Problems};
use super::{Sandbox, businesses, paging};

fn history_item(business: &str, kyb: &Kyb, reasons: Vec<&str>) -> Value {
    json!({
        "vendor_kyb_id": format!("inq_{}", uuid::Uuid::new_v4().simple()), "vendor": "persona",
        "business_id": business, "brand_id": BRAND_ID, "program_id": kyb.program_id,
        "verification_name": "kyb", "status": kyb.status, "reason": reasons, "requirement": null,
        "verification_metadata": {}, "event_id": format!("event_{}", kyb.history.len() + 1),
        "verification_type": "kyb_v2", "date_created": now_timestamp(),
    })
}

fn event(name: &str, business: &str, details: Option<Value>) -> Value {
    let mut e = json!({ "event": name, "business_id": business, "occurred_at": now_timestamp() });
    if let Some(d) = details {
        e["details"] = d;
    }
    e
}

pub async fn start(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    const CODE: &str = "invalid_request";
    let body = parse(&body, CODE)?;
    let o = v::object(&body, CODE)?;
    let mut p = Problems::default();
    let program = v::text(o, "program_id", true, &mut p)
        .unwrap_or_default()
        .to_string();
    if !program.is_empty() && !v::uuid(&program) {
        p.add("program_id", "Not a valid UUID.");
    }
    p.finish(CODE)?;
    let (inquiry, generation, ein) = {
        let mut store = sb.lock();
        let b = store
            .businesses
            .get_mut(&id)
            .ok_or_else(businesses::not_found)?;
        let ein = b
            .record
            .get("ein")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if ein.is_empty() || b.record.get("phone").is_none_or(Value::is_null) {
            return Err(ApiError::bad_request(
                CODE,
                "The business needs an EIN and a phone number for KYB",
            ));
        }
        match b.kyb.as_ref().map(|k| k.status) {
            Some("approved") => {
                return Err(ApiError::bad_request(
                    "resource_conflict",
                    "KYB has already been approved",
                ));
            }
            Some("initiated" | "under review") => {
                return Err(ApiError::conflict(
                    "resource_conflict",
                    "KYB is already in progress",
                ));
            }
            _ => {}
        }
        let generation = b.kyb.as_ref().map_or(1, |k| k.generation + 1);
        let history = b.kyb.take().map(|k| k.history).unwrap_or_default();
        let mut kyb = Kyb {
            status: "initiated",
            details: Vec::new(),
            history,
            program_id: program,
            generation,
        };
        kyb.history.push(history_item(&id, &kyb, Vec::new()));
        b.kyb = Some(kyb);
        (
            format!("inq_{}", uuid::Uuid::new_v4().simple()),
            generation,
            ein,
        )
    };
    sb.emit(event("kyb.verification.initiated", &id, None));
    let (sb2, id2) = (Arc::clone(&sb), id.clone());
    tokio::spawn(async move {
        tokio::time::sleep(sb2.cfg.outcome_delay).await;
        sb2.decide_kyb(&id2, generation, &ein);
    });
    let out = json!({ "business_id": id, "kyb_status": "initiated", "inquiry_id": inquiry });
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

impl Sandbox {
    fn decide_kyb(self: &Arc<Self>, id: &str, generation: u64, ein: &str) {
        let (status, name, details) = match ein {
            "11-1111111" => ("approved", "kyb.verification.approved", None),
            "22-2222222" => {
                let d =
                    json!([{ "code": "rejected_tin", "reason": "The TIN could not be verified" }]);
                ("rejected", "kyb.verification.rejected", Some(d))
            }
            "33-3333333" => {
                let d = json!([{ "code": "address_mismatch", "reason": "The business address could not be confirmed" }]);
                ("warning", "kyb.verification.warning", Some(d))
            }
            "44-4444444" => ("error", "kyb.verification.error", None),
            _ => ("under review", "", None),
        };
        {
            let mut store = self.lock();
            let Some(k) = store
                .businesses
                .get_mut(id)
                .and_then(|b| b.kyb.as_mut())
                .filter(|k| k.generation == generation)
            else {
                return;
            };
            k.status = status;
            k.details = details
                .as_ref()
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let reasons = if status == "rejected" {
                vec!["rejected_tin"]
            } else {
                Vec::new()
            };
            let item = history_item(id, k, reasons);
            k.history.push(item);
        }
        if !name.is_empty() {
            self.emit(event(name, id, details));
        }
    }
}

pub async fn status(State(sb): State<Arc<Sandbox>>, Path(id): Path<String>) -> ApiResult {
    let store = sb.lock();
    let b = store
        .businesses
        .get(&id)
        .ok_or_else(businesses::not_found)?;
    let k = b
        .kyb
        .as_ref()
        .ok_or_else(|| ApiError::not_found("kyb_dne", "No KYB exists for this business"))?;
    let mut out = json!({ "business_id": id, "kyb_status": k.status });
    if !k.details.is_empty() {
        out["details"] = Value::Array(k.details.clone());
    }
    Ok(Json(out).into_response())
}

pub async fn history(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let store = sb.lock();
    let b = store
        .businesses
        .get(&id)
        .ok_or_else(businesses::not_found)?;
    let all = b
        .kyb
        .as_ref()
        .map(|k| k.history.clone())
        .unwrap_or_default();
    Ok(Json(paging::envelope(all, &q, "count", 100)?).into_response())
}
