//! The emulator's in-memory state: customers, KYC attempts, webhook subscriptions and used
//! idempotency keys, behind one lock (every handler holds it for microseconds, never across
//! an await).
use std::collections::HashMap;
use std::time::Instant;

use serde_json::{Map, Value};

/// A stored customer: the response object (ssn masked) and the digits of its SSN.
pub struct Customer {
    pub record: Map<String, Value>,
    pub ssn: Option<String>,
}

/// A stored business: its own fields, its active addresses, its owners' ids and its KYB.
pub struct Business {
    pub record: Map<String, Value>,
    pub addresses: Vec<Value>,
    pub owners: Vec<String>,
    pub kyb: Option<Kyb>,
}

/// A business's KYB (docs/reference/atelio-api.md §2.8).
pub struct Kyb {
    pub status: &'static str,
    pub details: Vec<Value>,
    pub history: Vec<Value>,
    pub program_id: String,
    pub generation: u64,
}

/// A stored beneficial owner.
pub struct Owner {
    pub business_id: String,
    pub record: Map<String, Value>,
    pub addresses: Vec<Value>,
    pub ssn: Option<String>,
}

/// Whose KYC.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    Customer(String),
    Owner(String),
}

impl Subject {
    pub fn id(&self) -> &str {
        match self {
            Subject::Customer(id) | Subject::Owner(id) => id,
        }
    }
    /// The payload key naming the subject.
    pub fn key(&self) -> &'static str {
        match self {
            Subject::Customer(_) => "customer_id",
            Subject::Owner(_) => "beneficial_owner_id",
        }
    }
}

/// One requested document.
#[derive(Debug, Clone)]
pub struct Document {
    pub document_type: &'static str,
    pub submitted: bool,
}

/// One KYC attempt for a (subject, program). `Debug` leaves the SSN out.
#[derive(Clone)]
pub struct Attempt {
    pub subject: Subject,
    pub status: &'static str,
    pub ssn: Option<String>,
    pub inquiry_id: String,
    pub documents: Vec<Document>,
    pub passed_at: Option<String>,
    /// A beneficial owner outside the US: goes to manual review.
    pub foreign: bool,
    /// Bumped on every transition; a scheduled transition applies only to the generation it saw.
    pub generation: u64,
    /// Asked to re-enter information (`kyc.verification.reenter_information`).
    pub reenter: bool,
    /// The customer was updated since: a new start is accepted.
    pub updated: bool,
}

impl Attempt {
    /// Still running: a second start is a conflict.
    pub fn in_progress(&self) -> bool {
        matches!(
            self.status,
            "submitted" | "initialized" | "document_required" | "under_review"
        )
    }

    /// A new start is accepted: this one ended, or it asked for information that was re-entered.
    pub fn may_restart(&self) -> bool {
        !self.in_progress() || (self.reenter && self.updated)
    }
}

/// A webhook subscription (docs/reference/atelio-api.md §2.10). `Debug` leaves the secret out.
#[derive(Clone)]
pub struct Subscription {
    pub id: String,
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    pub version: String,
    pub secret: String,
    pub status: String,
    pub created_time: String,
    pub updated_time: String,
}

impl Subscription {
    /// Enabled and one of its patterns (`kyc.*`, `card*`, exact names) matches `event`.
    pub fn wants(&self, event: &str) -> bool {
        self.status == "STATUS_ENABLED"
            && self.events.iter().any(|p| match p.strip_suffix('*') {
                Some(prefix) => event.starts_with(prefix),
                None => p == event,
            })
    }
}

impl std::fmt::Debug for Attempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attempt")
            .field("subject", &self.subject)
            .field("status", &self.status)
            .field("ssn", &self.ssn.as_ref().map(|_| "<redacted>"))
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("events", &self.events)
            .field("secret", &"<redacted>")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// Everything the emulator remembers.
#[derive(Default)]
pub struct Store {
    pub customers: HashMap<String, Customer>,
    /// Customer ids in creation order (lists page through it).
    pub customer_order: Vec<String>,
    pub kyc: HashMap<(Subject, String), Attempt>,
    pub subscriptions: Vec<Subscription>,
    pub businesses: HashMap<String, Business>,
    /// Business ids in creation order.
    pub business_order: Vec<String>,
    pub owners: HashMap<String, Owner>,
    pub idempotency: HashMap<(String, String), Instant>,
}

/// Atelio's usual timestamp form: `2021-10-17T11:25:37.369236+00:00`.
pub fn now_timestamp() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6f+00:00")
        .to_string()
}

/// `XXX-XX-1234`.
pub fn mask_ssn(digits: &str) -> String {
    format!("XXX-XX-{}", &digits[digits.len().saturating_sub(4)..])
}

impl Store {
    /// After `PATCH /customers/{id}`: an attempt that asked for re-entered information may
    /// restart.
    pub fn customer_updated(&mut self, id: &str) {
        for a in self.kyc.values_mut() {
            if a.reenter && a.subject.id() == id {
                a.updated = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_leaves_out_secrets_and_ssns() {
        let sub = Subscription {
            id: "s".into(),
            url: "http://127.0.0.1:9/h".into(),
            description: String::new(),
            events: vec!["kyc.*".into()],
            version: "0.1".into(),
            secret: "whsec_TopSecretValue0123456789abcdefgh".into(),
            status: "STATUS_ENABLED".into(),
            created_time: String::new(),
            updated_time: String::new(),
        };
        assert!(!format!("{sub:?}").contains("TopSecret"));
        let attempt = Attempt {
            subject: Subject::Customer("c".into()),
            status: "submitted",
            ssn: Some("123456789".into()),
            inquiry_id: "inq_1".into(),
            documents: Vec::new(),
            passed_at: None,
            foreign: false,
            generation: 1,
            reenter: false,
            updated: false,
        };
        assert!(!format!("{attempt:?}").contains("123456789"));
    }
}
