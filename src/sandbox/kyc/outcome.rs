//! Where a KYC attempt goes next: the sandbox SSN triggers (docs/reference/atelio-api.md §2.4), the webhook
//! payloads of each outcome (§3.1) and the extended status body (`results`/`health`/`info`).
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::super::Sandbox;
use super::super::error::ApiError;
use super::super::state::{Attempt, Document, Subject, now_timestamp};
use super::documents_of;

/// What a scheduled transition does.
pub enum Step {
    /// Submitted → the SSN's outcome.
    Decide,
    /// Documents reviewed → passed.
    FinishReview,
    /// Requested documents never came → timeout.
    ExpireDocuments,
}

/// The documented sandbox trigger for an SSN (nine digits).
pub fn trigger(ssn: Option<&str>) -> Result<Vec<Document>, &'static str> {
    let docs = match ssn {
        Some("000000000") => return Err("under_review"),
        Some("555555555") => return Err("error"),
        Some("666666666") => return Err("timeout"),
        Some("111111111") => &["social_security_card", "government_id"][..],
        Some("222222222") => &["government_id", "proof_of_address"][..],
        Some("333333333" | super::reenter::REENTER_SSN) => &["government_id"][..],
        Some("444444444") => &["social_security_card", "government_id", "proof_of_address"][..],
        _ => return Err("passed"),
    };
    Ok(documents_of(docs))
}

/// A `kyc.verification.*` payload for `subject`, with `extra` fields.
pub fn event(name: &str, subject: &Subject, extra: Option<Map<String, Value>>) -> Value {
    let mut o = extra.unwrap_or_default();
    o.insert("event".into(), json!(name));
    o.insert(subject.key().into(), json!(subject.id()));
    o.insert("occurred_at".into(), json!(now_timestamp()));
    Value::Object(o)
}

fn upload_link(inquiry: &str) -> String {
    format!("https://withpersona.com/verify?inquiry-id={inquiry}&environment=sandbox")
}

fn documents_json(a: &Attempt) -> Value {
    let docs: Vec<Value> = a
        .documents
        .iter()
        .map(|d| {
            json!({
                "document_type": d.document_type,
                "upload_link": upload_link(&a.inquiry_id),
                "status": if d.submitted { "submitted" } else { "required" },
            })
        })
        .collect();
    Value::Array(docs)
}

/// Adds the extended status fields to a K2 answer.
pub fn describe(a: &Attempt, out: &mut Value) {
    let checks = ["ofac", "bureau", "email", "ip", "mobile"];
    match a.status {
        "passed" | "failed" => {
            let result = if a.status == "passed" {
                "passed"
            } else {
                "failed"
            };
            let results: Map<String, Value> = checks
                .iter()
                .map(|c| {
                    (
                        (*c).into(),
                        json!(if *c == "bureau" { result } else { "passed" }),
                    )
                })
                .collect();
            let mut health: Map<String, Value> = checks
                .iter()
                .map(|c| ((*c).into(), json!("SERVICE_GOOD")))
                .collect();
            health.insert("overall".into(), json!("SERVICE_GOOD"));
            out["results"] = Value::Object(results);
            out["health"] = Value::Object(health);
            out["info"] = json!({
                "ofac": { "name_matched": false, "dob_matched": false },
                "bureau": { "application_status": if a.status == "passed" { "Pass" } else { "Fail" } },
                "phone": { "first_name_match": 100, "last_name_match": 100, "address_match": null,
                           "service_status": "ACTIVE", "service_type": "CONTRACT",
                           "service_duration": "UNKNOWN", "service_ported_duration": "NONE" },
            });
        }
        "document_required" => out["documents"] = documents_json(a),
        _ => {}
    }
}

/// Marks the uploaded documents submitted; only requested kinds are accepted.
pub fn accept_documents(
    docs: &mut [Document],
    body: &Map<String, Value>,
) -> Result<usize, ApiError> {
    let mut problems = Map::new();
    for (key, value) in body {
        let requested = docs.iter().any(|d| d.document_type == key);
        let complete = value
            .get("image")
            .or_else(|| value.get("front_image").and_then(|f| f.get("image")))
            .is_some_and(Value::is_string);
        if !requested {
            problems.insert(key.clone(), json!(["This document was not requested."]));
        } else if !complete {
            problems.insert(key.clone(), json!(["An image (base64) is required."]));
        }
    }
    if body.is_empty() {
        problems.insert(
            "documents".into(),
            json!(["At least one requested document is required."]),
        );
    }
    if !problems.is_empty() {
        return Err(ApiError::schema("kyc_error", problems));
    }
    docs.iter_mut()
        .filter(|d| body.contains_key(d.document_type))
        .for_each(|d| d.submitted = true);
    Ok(body.len())
}

impl Sandbox {
    /// Applies a scheduled step if the attempt is still at `generation`.
    pub(super) fn advance(self: &Arc<Self>, key: &(Subject, String), generation: u64, step: Step) {
        match step {
            Step::FinishReview => {
                self.conclude(key, generation, true);
                return;
            }
            Step::ExpireDocuments => return self.end(key, generation, "timeout"),
            Step::Decide => {}
        }
        let mut reenter = None;
        let payload = {
            let mut store = self.lock();
            let Some(a) = store
                .kyc
                .get_mut(key)
                .filter(|a| a.generation == generation)
            else {
                return;
            };
            if a.foreign {
                a.generation += 1;
                a.status = "under_review";
                let mut extra = Map::new();
                extra.insert("reasons".into(), json!("Foreign Beneficial Owner"));
                let payload = event("kyc.verification.under_review", &a.subject, Some(extra));
                drop(store);
                return self.emit(payload);
            }
            if super::reenter::po_box(&store, &key.0) {
                drop(store);
                return self.fail_po_box(key, generation);
            }
            let Some(a) = store.kyc.get_mut(key) else {
                return;
            };
            match trigger(a.ssn.as_deref()) {
                Ok(docs) => {
                    reenter = super::reenter::ask(a, &key.1)
                        .map(|extra| event(super::reenter::ASK, &a.subject, Some(extra)));
                    a.generation += 1;
                    let expiry = (key.clone(), a.generation);
                    let sb = Arc::clone(self);
                    tokio::spawn(async move {
                        tokio::time::sleep(sb.cfg.document_expiry).await;
                        sb.advance(&expiry.0, expiry.1, Step::ExpireDocuments);
                    });
                    a.status = "document_required";
                    a.documents = docs;
                    let mut extra = Map::new();
                    extra.insert("inquiry_id".into(), json!(a.inquiry_id));
                    extra.insert("documents".into(), documents_json(a));
                    Some(event(
                        "kyc.verification.document_required",
                        &a.subject,
                        Some(extra),
                    ))
                }
                Err("under_review") => {
                    a.generation += 1;
                    a.status = "under_review";
                    Some(event("kyc.verification.under_review", &a.subject, None))
                }
                Err(ended @ ("error" | "timeout")) => {
                    drop(store);
                    return self.end(key, generation, ended);
                }
                Err(_) => None,
            }
        };
        if let Some(ask) = reenter {
            self.emit(ask);
        }
        match payload {
            Some(p) => self.emit(p),
            None => {
                self.conclude(key, generation, true);
            }
        }
    }

    /// Ends the attempt in `status` with the webhook `kyc.verification.{name}` (and `extra`
    /// fields), if it is still at `generation`; false if it is gone or moved.
    fn settle(
        self: &Arc<Self>,
        key: &(Subject, String),
        generation: u64,
        (status, name): (&'static str, &str),
        extra: Option<Map<String, Value>>,
    ) -> bool {
        let payload = {
            let mut store = self.lock();
            let Some(a) = store
                .kyc
                .get_mut(key)
                .filter(|a| a.generation == generation)
            else {
                return false;
            };
            a.generation += 1;
            a.status = status;
            if status == "passed" {
                a.passed_at = Some(now_timestamp());
            }
            event(&format!("kyc.verification.{name}"), &a.subject, extra)
        };
        self.emit(payload);
        true
    }

    /// Ends the attempt in `error` or `timeout` (a new start may follow).
    fn end(self: &Arc<Self>, key: &(Subject, String), generation: u64, status: &'static str) {
        self.settle(key, generation, (status, status), None);
    }

    /// Fails the attempt for a PO-box address.
    fn fail_po_box(self: &Arc<Self>, key: &(Subject, String), generation: u64) {
        let extra = super::reenter::po_box_failure();
        self.settle(key, generation, ("failed", "failure"), Some(extra));
    }

    /// Ends the attempt passed or failed (and says so by webhook); None if it is gone or moved.
    pub(super) fn conclude(
        self: &Arc<Self>,
        key: &(Subject, String),
        generation: u64,
        passed: bool,
    ) -> Option<&'static str> {
        let (outcome, extra) = if passed {
            (("passed", "success"), None)
        } else {
            let mut extra = Map::new();
            extra.insert("reasons".into(), json!({ "ofac": "passed", "bureau": "failed", "mobile": "passed", "ip": "passed", "email": "passed" }));
            (("failed", "failure"), Some(extra))
        };
        self.settle(key, generation, outcome, extra)
            .then_some(outcome.0)
    }
}
