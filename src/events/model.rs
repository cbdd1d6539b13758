//! The typed verification event: what the webhook parser produces from a verified Atelio
//! payload, what the event log stores (with a sequence), and what subscribers receive. PII in
//! events (none of the documented KYC/KYB payloads carry names or SSNs, but the raw JSON could)
//! never reaches logs: `Debug` omits the raw body.
use chrono::{DateTime, Utc};

/// What happened, normalised across the documented event-name variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// `kyc.verification.success` (also `.passed`).
    KycSuccess,
    /// `kyc.verification.failure` (also `.failed`).
    KycFailure,
    /// `kyc.verification.error`.
    KycError,
    /// `kyc.verification.timeout`.
    KycTimeout,
    /// `kyc.verification.document_required` (also `.documents_required`).
    KycDocumentRequired,
    /// `kyc.verification.under_review`.
    KycUnderReview,
    /// `kyc.verification.reenter_information`.
    KycReenterInformation,
    /// `kyb.verification.approved`.
    KybApproved,
    /// `kyb.verification.rejected`.
    KybRejected,
    /// `kyb.verification.warning`.
    KybWarning,
    /// `kyb.verification.error`.
    KybError,
    /// `kyb.verification.initiated`.
    KybInitiated,
    /// A signed event of another family or an unknown/unparseable shape (kept raw).
    Unknown,
}

impl EventKind {
    /// Every kind, in a stable order (its index is the stored number).
    pub const ALL: [EventKind; 13] = [
        EventKind::KycSuccess,
        EventKind::KycFailure,
        EventKind::KycError,
        EventKind::KycTimeout,
        EventKind::KycDocumentRequired,
        EventKind::KycUnderReview,
        EventKind::KycReenterInformation,
        EventKind::KybApproved,
        EventKind::KybRejected,
        EventKind::KybWarning,
        EventKind::KybError,
        EventKind::KybInitiated,
        EventKind::Unknown,
    ];

    /// The stable number of this kind (for storage and filters).
    pub fn code(self) -> u8 {
        Self::ALL.iter().position(|k| *k == self).unwrap_or(12) as u8
    }

    /// The kind with this stable number (`Unknown` for anything else).
    pub fn from_code(code: u8) -> EventKind {
        Self::ALL
            .get(code as usize)
            .copied()
            .unwrap_or(EventKind::Unknown)
    }
}

/// Whose verification the event is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A customer (`customer_id`).
    Customer(String),
    /// A beneficial owner (`beneficial_owner_id`, or `customer_id` in BO-shaped events).
    BeneficialOwner(String),
    /// A business (`business_id`).
    Business(String),
    /// No subject id in the payload.
    None,
}

impl Subject {
    /// The id, if any.
    pub fn id(&self) -> Option<&str> {
        match self {
            Subject::Customer(id) | Subject::BeneficialOwner(id) | Subject::Business(id) => {
                Some(id)
            }
            Subject::None => None,
        }
    }
}

/// A document requested by a `document_required` event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventDocument {
    /// e.g. `government_id`, `proof_of_address`.
    pub document_type: String,
    /// The hosted upload link.
    pub upload_link: String,
    /// `required` or `submitted`.
    pub status: String,
}

/// A KYB rejection reason.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventKybDetail {
    /// e.g. `rejected_tin`.
    pub code: String,
    /// Human-readable reason.
    pub reason: String,
}

/// Where an event came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Origin {
    /// A verified webhook.
    #[default]
    Webhook,
    /// Reconciliation: a status read showed a transition no webhook had reported.
    Reconciled,
}

/// What the mirror adds to an event before it is relayed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// Where it came from.
    pub origin: Origin,
    /// The verification's program ("" when unknown).
    pub program_id: String,
    /// On a timeout: documents were requested earlier in the attempt.
    pub document_request_preceded: bool,
    /// When requested documents expire (ms since the epoch), when known.
    pub documents_expire_at_ms: Option<i64>,
}

/// A verified, parsed webhook event (or a reconciled one, built the same way).
#[derive(Clone, PartialEq, Eq)]
pub struct ParsedEvent {
    /// Normalised kind.
    pub kind: EventKind,
    /// The `event` string exactly as sent ("" when absent).
    pub event_name: String,
    /// Whose verification.
    pub subject: Subject,
    /// `occurred_at` parsed (UTC), when it parses.
    pub occurred_at: Option<DateTime<Utc>>,
    /// `occurred_at` exactly as sent ("" when absent).
    pub occurred_at_raw: String,
    /// Requested documents.
    pub documents: Vec<EventDocument>,
    /// Fields to re-enter (`fields` or `incorrect_information`).
    pub fields: Vec<String>,
    /// Per-check results when `reasons` is an object (`ofac` → `failed`), sorted by key.
    pub reasons: Vec<(String, String)>,
    /// `reasons` when it is a string (e.g. `Foreign Beneficial Owner`).
    pub reasons_text: String,
    /// `error_code` (e.g. `po_box_failure`).
    pub error_code: String,
    /// `description`.
    pub description: String,
    /// KYB `details`.
    pub kyb_details: Vec<EventKybDetail>,
    /// `inquiry_id`, when sent.
    pub inquiry_id: String,
    /// The verified raw body, exactly as received (UTF-8; lossy if it was not).
    pub raw_json: String,
    /// Origin and what the mirror knows about the verification.
    pub context: Context,
}

#[cfg(test)]
impl ParsedEvent {
    /// `{"event":"kyc.verification.success","customer_id":id}` as the webhook parser gives it.
    pub(crate) fn kyc_success_for(id: &str) -> Self {
        ParsedEvent {
            kind: EventKind::KycSuccess,
            event_name: "kyc.verification.success".into(),
            subject: Subject::Customer(id.into()),
            occurred_at: None,
            occurred_at_raw: String::new(),
            documents: Vec::new(),
            fields: Vec::new(),
            reasons: Vec::new(),
            reasons_text: String::new(),
            error_code: String::new(),
            description: String::new(),
            kyb_details: Vec::new(),
            inquiry_id: String::new(),
            raw_json: format!(r#"{{"event":"kyc.verification.success","customer_id":"{id}"}}"#),
            context: Context::default(),
        }
    }
}

impl std::fmt::Debug for ParsedEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedEvent")
            .field("kind", &self.kind)
            .field("event_name", &self.event_name)
            .field("subject", &self.subject)
            .field("occurred_at_raw", &self.occurred_at_raw)
            .finish_non_exhaustive()
    }
}
