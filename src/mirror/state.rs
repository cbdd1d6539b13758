//! The verification states the mirror knows, normalised across Atelio's spellings
//! (`under review` / `under_review`, `document required`, …), with what each one means for
//! polling (pending or not), for answering (final or not) and for relaying (which event kind).
use serde::{Deserialize, Serialize};

use crate::events::model::EventKind;

/// Whose verification: the subject types Atelio verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SubjectKind {
    /// A customer (KYC, K1/K2).
    Customer,
    /// A beneficial owner of a business (KYC, BOK1/BOK2).
    BeneficialOwner,
    /// A business (KYB, KB1/KB2).
    Business,
}

impl SubjectKind {
    /// Every kind, in its stored order.
    pub const ALL: [SubjectKind; 3] = [
        SubjectKind::Customer,
        SubjectKind::BeneficialOwner,
        SubjectKind::Business,
    ];

    /// The stored number of this kind.
    pub fn code(self) -> i64 {
        match self {
            SubjectKind::Customer => 0,
            SubjectKind::BeneficialOwner => 1,
            SubjectKind::Business => 2,
        }
    }

    /// A short stable name (keys, metrics).
    pub fn name(self) -> &'static str {
        match self {
            SubjectKind::Customer => "customer",
            SubjectKind::BeneficialOwner => "beneficial_owner",
            SubjectKind::Business => "business",
        }
    }
}

/// A verification state as Atelio reports it (K2, BOK2, KB2, start answers and webhooks).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum State {
    /// KYC accepted and running (customer start answer).
    Submitted,
    /// KYC accepted and running (beneficial-owner start answer).
    Initialized,
    /// KYB started.
    Initiated,
    /// KYC passed.
    Passed,
    /// KYC failed.
    Failed,
    /// Documents must be uploaded.
    DocumentRequired,
    /// Manual review (KYC or KYB).
    UnderReview,
    /// A transient error: a new start is needed.
    Error,
    /// The attempt expired (document deadline or vendor time-out): a new start is needed.
    Expired,
    /// KYB approved.
    Approved,
    /// KYB rejected.
    Rejected,
    /// KYB needs manual review or a new run.
    Warning,
    /// A value this build does not know (kept raw beside it).
    Other,
}

impl State {
    const ALL: [State; 13] = [
        State::Submitted,
        State::Initialized,
        State::Initiated,
        State::Passed,
        State::Failed,
        State::DocumentRequired,
        State::UnderReview,
        State::Error,
        State::Expired,
        State::Approved,
        State::Rejected,
        State::Warning,
        State::Other,
    ];

    /// The state named by a `kyc_status` / `kyb_status` value (case, spaces and the documented
    /// aliases tolerated).
    pub fn parse(raw: &str) -> State {
        let norm = raw.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        match norm.as_str() {
            "submitted" => State::Submitted,
            "initialized" => State::Initialized,
            "initiated" => State::Initiated,
            "passed" | "success" => State::Passed,
            "failed" | "failure" => State::Failed,
            "document_required" | "documents_required" => State::DocumentRequired,
            "under_review" => State::UnderReview,
            "error" => State::Error,
            "expired" | "timeout" => State::Expired,
            "approved" => State::Approved,
            "rejected" => State::Rejected,
            "warning" => State::Warning,
            _ => State::Other,
        }
    }

    /// The state as Atelio's status reads spell it (what a state learned from a webhook is
    /// recorded as).
    pub fn canonical(self) -> &'static str {
        match self {
            State::Submitted => "submitted",
            State::Initialized => "initialized",
            State::Initiated => "initiated",
            State::Passed => "passed",
            State::Failed => "failed",
            State::DocumentRequired => "document_required",
            State::UnderReview => "under_review",
            State::Error => "error",
            State::Expired => "expired",
            State::Approved => "approved",
            State::Rejected => "rejected",
            State::Warning => "warning",
            State::Other => "",
        }
    }

    /// The stored number of this state.
    pub fn code(self) -> i64 {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(12) as i64
    }

    /// This state's bit in a set of states.
    pub fn bit(self) -> u16 {
        1 << self.code()
    }

    /// Reported by a start answer: the verification began.
    pub fn is_start(self) -> bool {
        matches!(
            self,
            State::Submitted | State::Initialized | State::Initiated
        )
    }

    /// A verdict: this attempt will not change again (Atelio allows no attempt after a pass).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            State::Passed | State::Failed | State::Approved | State::Rejected
        )
    }

    /// Still waiting for Atelio (or the person): worth polling. An error or an expiry ends the
    /// attempt (a new start is needed); an unknown value is polled, to be safe.
    pub fn is_pending(self) -> bool {
        !self.is_final() && !matches!(self, State::Error | State::Expired)
    }

    /// The state a webhook of this kind reports (None: the kind reports no state, such as
    /// `reenter_information`, or is unknown).
    pub fn of_event(kind: EventKind) -> Option<State> {
        Some(match kind {
            EventKind::KycSuccess => State::Passed,
            EventKind::KycFailure => State::Failed,
            EventKind::KycError | EventKind::KybError => State::Error,
            EventKind::KycTimeout => State::Expired,
            EventKind::KycDocumentRequired => State::DocumentRequired,
            EventKind::KycUnderReview => State::UnderReview,
            EventKind::KybApproved => State::Approved,
            EventKind::KybRejected => State::Rejected,
            EventKind::KybWarning => State::Warning,
            EventKind::KybInitiated => State::Initiated,
            EventKind::KycReenterInformation | EventKind::Unknown => return None,
        })
    }

    /// The event a subscriber gets when reconciliation finds this state (None: nothing to
    /// relay: a start state the caller already has from its start answer, or an unknown value).
    pub fn event(self, subject: SubjectKind) -> Option<EventKind> {
        let kyb = subject == SubjectKind::Business;
        Some(match (self, kyb) {
            (State::Passed, false) => EventKind::KycSuccess,
            (State::Failed, false) => EventKind::KycFailure,
            (State::Error, false) => EventKind::KycError,
            (State::Error, true) => EventKind::KybError,
            (State::Expired, false) => EventKind::KycTimeout,
            (State::DocumentRequired, false) => EventKind::KycDocumentRequired,
            (State::UnderReview, false) => EventKind::KycUnderReview,
            (State::Approved, true) => EventKind::KybApproved,
            (State::Rejected, true) => EventKind::KybRejected,
            (State::Warning | State::UnderReview, true) => EventKind::KybWarning,
            _ => return None,
        })
    }
}

/// The webhook event name Atelio documents for a kind (what a reconciled event carries as
/// `event_name`).
pub fn event_name(kind: EventKind) -> &'static str {
    match kind {
        EventKind::KycSuccess => "kyc.verification.success",
        EventKind::KycFailure => "kyc.verification.failure",
        EventKind::KycError => "kyc.verification.error",
        EventKind::KycTimeout => "kyc.verification.timeout",
        EventKind::KycDocumentRequired => "kyc.verification.document_required",
        EventKind::KycUnderReview => "kyc.verification.under_review",
        EventKind::KycReenterInformation => "kyc.verification.reenter_information",
        EventKind::KybApproved => "kyb.verification.approved",
        EventKind::KybRejected => "kyb.verification.rejected",
        EventKind::KybWarning => "kyb.verification.warning",
        EventKind::KybError => "kyb.verification.error",
        EventKind::KybInitiated => "kyb.verification.initiated",
        EventKind::Unknown => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_and_aliases_parse_to_one_state() {
        assert_eq!(State::parse("under review"), State::UnderReview);
        assert_eq!(State::parse("UNDER_REVIEW"), State::UnderReview);
        assert_eq!(State::parse("document required"), State::DocumentRequired);
        assert_eq!(State::parse("expired"), State::Expired);
        assert_eq!(State::parse("banana"), State::Other);
    }

    #[test]
    fn every_state_has_its_own_bit() {
        let all = State::ALL.iter().fold(0u16, |acc, s| {
            assert_eq!(acc & s.bit(), 0, "{s:?}");
            acc | s.bit()
        });
        assert_eq!(all.count_ones(), 13);
    }

    #[test]
    fn webhook_states_round_trip_through_reconciled_events() {
        for kind in EventKind::ALL {
            let Some(state) = State::of_event(kind) else {
                continue;
            };
            let subject = if event_name(kind).starts_with("kyb") {
                SubjectKind::Business
            } else {
                SubjectKind::Customer
            };
            if kind == EventKind::KybInitiated {
                assert_eq!(state.event(subject), None, "a start is not relayed");
            } else {
                assert_eq!(state.event(subject), Some(kind), "{kind:?}");
            }
        }
    }

    #[test]
    fn pending_final_and_ended_are_disjoint() {
        assert!(State::Submitted.is_pending() && !State::Submitted.is_final());
        assert!(State::Passed.is_final() && !State::Passed.is_pending());
        assert!(!State::Expired.is_pending() && !State::Expired.is_final());
        assert!(State::Other.is_pending());
    }
}
