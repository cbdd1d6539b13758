//! Customer KYC, K1–K5 (docs/reference/atelio-api.md §2.4): start (201 `submitted`; 409 `kyc_init_fail` while one
//! runs; 400 `kyc_reinit_fail` naming the earlier pass), status, document upload and the
//! sandbox simulate calls. After `outcome_delay` an attempt moves as its SSN says (the sandbox
//! triggers) and the matching `kyc.verification.*` webhook goes out.
use std::collections::HashMap;
use std::sync::Arc;

use axum::{
    Json,
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use serde_json::json;

use super::Sandbox;
use super::customers::{self, BRAND_ID, parse};
use super::error::{ApiError, ApiResult};
use super::state::{Attempt, Document, Subject};
use super::validate::{self as v, Problems};
mod outcome;
mod reenter;

fn kyc_dne() -> ApiError {
    ApiError::not_found("kyc_dne", "No KYC exists for this customer and program")
}

pub async fn start(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    const CODE: &str = "create_kyc_schema";
    let body = parse(&body, CODE)?;
    let o = v::object(&body, CODE)?;
    let mut p = Problems::default();
    let program = v::text(o, "program_id", true, &mut p).map(str::to_string);
    if program.as_deref().is_some_and(|id| !v::uuid(id)) {
        p.add("program_id", "Not a valid UUID.");
    }
    let ssn = v::text(o, "ssn", false, &mut p).and_then(|s| {
        let d = v::ssn(s);
        if d.is_none() {
            p.add("ssn", "Must be ###-##-#### or nine digits.");
        }
        d
    });
    v::contact(o, &mut p);
    if v::text(o, "ip", false, &mut p).is_some_and(|ip| ip.parse::<std::net::Ipv4Addr>().is_err()) {
        p.add("ip", "Not a valid IPv4 address.");
    }
    p.finish(CODE)?;
    let ssn = match ssn {
        Some(s) => Some(s),
        None => sb
            .lock()
            .customers
            .get(&id)
            .ok_or_else(customers::not_found)?
            .ssn
            .clone(),
    };
    sb.start_attempt(
        Subject::Customer(id.clone()),
        program.unwrap_or_default(),
        ssn,
        false,
    )?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "customer_id": id, "kyc_status": "submitted" })),
    )
        .into_response())
}

pub async fn status(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let Some(program) = q.get("program_id").filter(|p| v::uuid(p)) else {
        return Err(ApiError::bad_request(
            "get_kyc_schema",
            "program_id (a UUID) is required",
        ));
    };
    let store = sb.lock();
    store.customers.get(&id).ok_or_else(customers::not_found)?;
    let a = store
        .kyc
        .get(&(Subject::Customer(id.clone()), program.clone()))
        .ok_or_else(kyc_dne)?;
    let mut out = json!({ "customer_id": id, "brand_id": BRAND_ID, "kyc_status": a.status });
    outcome::describe(a, &mut out);
    Ok(Json(out).into_response())
}

/// The attempt of `id` waiting for documents.
fn waiting(store: &super::state::Store, id: &str) -> Option<(Subject, String)> {
    store
        .kyc
        .iter()
        .find(|(k, a)| k.0.id() == id && a.status == "document_required")
        .map(|(k, _)| k.clone())
}

pub async fn documents(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    const CODE: &str = "kyc_error";
    let body = parse(&body, CODE)?;
    let o = v::object(&body, CODE)?;
    let (key, generation, count, complete) = {
        let mut store = sb.lock();
        store.customers.get(&id).ok_or_else(customers::not_found)?;
        let key = waiting(&store, &id).ok_or_else(|| {
            ApiError::bad_request(CODE, "No documents are requested for this customer")
        })?;
        let a = store.kyc.get_mut(&key).ok_or_else(kyc_dne)?;
        let count = outcome::accept_documents(&mut a.documents, o)?;
        let complete = a.documents.iter().all(|d| d.submitted);
        if complete {
            a.status = "under_review";
            a.generation += 1;
        }
        (key, a.generation, count, complete)
    };
    if complete {
        sb.emit(outcome::event(
            "kyc.verification.under_review",
            &key.0,
            None,
        ));
        sb.schedule(key, generation, outcome::Step::FinishReview);
    }
    Ok(Json(json!({ "customer_id": id, "num_documents_submitted": count })).into_response())
}

async fn simulate(sb: Arc<Sandbox>, body: Bytes, passed: bool) -> ApiResult {
    const CODE: &str = "invalid_request";
    let body = parse(&body, CODE)?;
    let o = v::object(&body, CODE)?;
    let mut p = Problems::default();
    let owner = v::text(o, "beneficial_owner_id", false, &mut p).map(str::to_string);
    let id = match &owner {
        Some(id) => id.clone(),
        None => v::text(o, "customer_id", true, &mut p)
            .unwrap_or_default()
            .to_string(),
    };
    let program = v::text(o, "program_id", true, &mut p)
        .unwrap_or_default()
        .to_string();
    p.finish(CODE)?;
    let subject = match owner {
        Some(_) => Subject::Owner(id.clone()),
        None => Subject::Customer(id.clone()),
    };
    let key = (subject.clone(), program);
    let generation = sb
        .lock()
        .kyc
        .get(&key)
        .map(|a| a.generation)
        .ok_or_else(kyc_dne)?;
    let status = sb.conclude(&key, generation, passed).ok_or_else(kyc_dne)?;
    Ok(Json(json!({ subject.key(): id, "kyc_status": status })).into_response())
}

pub async fn simulate_pass(State(sb): State<Arc<Sandbox>>, body: Bytes) -> ApiResult {
    simulate(sb, body, true).await
}

pub async fn simulate_fail(State(sb): State<Arc<Sandbox>>, body: Bytes) -> ApiResult {
    simulate(sb, body, false).await
}

impl Sandbox {
    /// Starts a KYC attempt for (`subject`, `program`): 409 `kyc_init_fail` while one runs,
    /// 400 `kyc_reinit_fail` after a pass; the outcome follows after `outcome_delay`.
    pub(super) fn start_attempt(
        self: &Arc<Self>,
        subject: Subject,
        program: String,
        ssn: Option<String>,
        foreign: bool,
    ) -> Result<(), ApiError> {
        let key = (subject, program);
        let generation = {
            let mut store = self.lock();
            if let Some(a) = store.kyc.get(&key) {
                if let Some(at) = &a.passed_at {
                    return Err(ApiError::bad_request(
                        "kyc_reinit_fail",
                        format!("KYC already passed at {at}"),
                    ));
                }
                if !a.may_restart() {
                    return Err(ApiError::conflict(
                        "kyc_init_fail",
                        "KYC has already been initialized",
                    ));
                }
            }
            let generation = store.kyc.get(&key).map_or(1, |a| a.generation + 1);
            let status = if matches!(key.0, Subject::Owner(_)) {
                "initialized"
            } else {
                "submitted"
            };
            let attempt = Attempt {
                subject: key.0.clone(),
                status,
                ssn,
                inquiry_id: format!("inq_{}", uuid::Uuid::new_v4().simple()),
                documents: Vec::new(),
                passed_at: None,
                foreign,
                generation,
                reenter: false,
                updated: false,
            };
            store.kyc.insert(key.clone(), attempt);
            generation
        };
        self.schedule(key, generation, outcome::Step::Decide);
        Ok(())
    }

    /// Runs `step` on the attempt after `outcome_delay`, if nothing moved it meanwhile.
    fn schedule(self: &Arc<Self>, key: (Subject, String), generation: u64, step: outcome::Step) {
        let sb = Arc::clone(self);
        tokio::spawn(async move {
            tokio::time::sleep(sb.cfg.outcome_delay).await;
            sb.advance(&key, generation, step);
        });
    }
}

pub use outcome::describe;

pub(super) fn documents_of(kinds: &[&'static str]) -> Vec<Document> {
    kinds
        .iter()
        .map(|k| Document {
            document_type: k,
            submitted: false,
        })
        .collect()
}
