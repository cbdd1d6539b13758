//! Two more documented outcomes ([I]: Atelio names no trigger for them): SSN 777-77-7777 asks
//! the customer to re-enter information (`kyc.verification.reenter_information`, alongside a
//! document request); once the customer is updated (`PATCH /customers/{id}`,
//! `Store::customer_updated`) a new start is accepted. A customer whose address is a PO box fails with `error_code = po_box_failure`.
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::super::Sandbox;
use super::super::state::{Attempt, Store, Subject, now_timestamp};

/// A `kyc.verification.*` payload for `subject` with `extra` fields.
fn event(name: &str, subject: &Subject, mut extra: Map<String, Value>) -> Value {
    extra.insert("event".into(), json!(name));
    extra.insert(subject.key().into(), json!(subject.id()));
    extra.insert("occurred_at".into(), json!(now_timestamp()));
    Value::Object(extra)
}

/// The SSN that asks for information to be re-entered.
pub const REENTER_SSN: &str = "777777777";

/// Marks `a` as waiting for re-entered information and returns the webhook saying so (None:
/// its SSN is not the trigger).
pub fn ask(a: &mut Attempt, program: &str) -> Option<Value> {
    if a.ssn.as_deref() != Some(REENTER_SSN) {
        return None;
    }
    a.reenter = true;
    let mut extra = Map::new();
    let text = format!(
        "Re enter the below information for this customer's KYC attempt on program {program}"
    );
    extra.insert("description".into(), json!(text));
    extra.insert("fields".into(), json!(["first_name", "last_name", "ssn"]));
    Some(event(
        "kyc.verification.reenter_information",
        &a.subject,
        extra,
    ))
}

/// Whether the customer's address is a PO box.
pub fn po_box(store: &Store, subject: &Subject) -> bool {
    let Subject::Customer(id) = subject else {
        return false;
    };
    let Some(c) = store.customers.get(id) else {
        return false;
    };
    let addresses = c.record.get("addresses").and_then(Value::as_array);
    addresses.into_iter().flatten().any(|a| {
        let street = a.get("street").and_then(Value::as_str).unwrap_or_default();
        let s = street.to_ascii_lowercase().replace(['.', ' '], "");
        s.starts_with("pobox")
    })
}

impl Sandbox {
    /// Fails the attempt for a PO-box address (and says so by webhook).
    pub(super) fn fail_po_box(self: &Arc<Self>, key: &(Subject, String), generation: u64) {
        let payload = {
            let mut store = self.lock();
            let Some(a) = store
                .kyc
                .get_mut(key)
                .filter(|a| a.generation == generation)
            else {
                return;
            };
            a.generation += 1;
            a.status = "failed";
            let mut extra = Map::new();
            extra.insert("error_code".into(), json!("po_box_failure"));
            let text = "Customer address is a PO Box. Request a new address";
            extra.insert("description".into(), json!(text));
            event("kyc.verification.failure", &a.subject, extra)
        };
        self.emit(payload);
    }
}
