//! Two more documented outcomes ([I]: Atelio names no trigger for them): SSN 777-77-7777 asks
//! the customer to re-enter information (`kyc.verification.reenter_information`, alongside a
//! document request); once the customer is updated (`PATCH /customers/{id}`,
//! `Store::customer_updated`) a new start is accepted. A customer whose address is a PO box fails with `error_code = po_box_failure`.
use serde_json::{Map, Value, json};

use super::super::state::{Attempt, Store, Subject};

/// The SSN that asks for information to be re-entered.
pub const REENTER_SSN: &str = "777777777";

/// The webhook asking for it.
pub const ASK: &str = "kyc.verification.reenter_information";

/// Marks `a` as waiting for re-entered information and returns the fields of the webhook
/// saying so (`ASK`; None: its SSN is not the trigger).
pub fn ask(a: &mut Attempt, program: &str) -> Option<Map<String, Value>> {
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
    Some(extra)
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

/// The fields of the failure webhook for a PO-box address.
pub fn po_box_failure() -> Map<String, Value> {
    let mut extra = Map::new();
    extra.insert("error_code".into(), json!("po_box_failure"));
    let text = "Customer address is a PO Box. Request a new address";
    extra.insert("description".into(), json!(text));
    extra
}
