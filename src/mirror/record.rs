//! One verification as the mirror keeps it (subject × program) and the pure rules that change
//! it: a start begins an attempt, every answer or event moves the state and its history, and
//! the relayed-state sets decide which transitions still need an event. No I/O here.
use serde::{Deserialize, Serialize};

use super::state::{State, SubjectKind};

/// The most transitions kept per verification (the oldest are dropped).
pub const MAX_HISTORY: usize = 32;

/// Which verification: a subject and the program it runs for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Key {
    /// The subject type.
    pub kind: SubjectKind,
    /// The subject's id.
    pub id: String,
    /// The program id ("" when Atelio's call named none, e.g. a KYB status without one).
    pub program: String,
}

impl Key {
    /// The key's string form, stable across builds (storage keys, dedupe keys).
    pub fn text(&self) -> String {
        format!("{}:{}:{}", self.kind.name(), self.id, self.program)
    }
}

/// How the mirror learned a state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    /// An answer to one of the gateway's own calls (a start or a status read).
    Response,
    /// A verified webhook.
    Webhook,
    /// A reconciliation poll.
    Reconciliation,
}

/// A document Atelio asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// e.g. `government_id`.
    pub document_type: String,
    /// The hosted upload link.
    pub upload_link: String,
    /// `required` or `submitted`.
    pub status: String,
}

/// One change of state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The state entered.
    pub state: State,
    /// When the mirror learned it (ms since the epoch).
    pub at_ms: i64,
    /// How.
    pub source: Source,
}

/// What the mirror knows about one verification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Which verification.
    pub key: Key,
    /// For a beneficial owner: its business (BOK2's path needs it).
    pub business_id: Option<String>,
    /// The latest known state.
    pub state: State,
    /// It exactly as Atelio spelled it.
    pub state_raw: String,
    /// When it was last confirmed (ms since the epoch).
    pub learned_at_ms: i64,
    /// How it was last confirmed.
    pub learned_from: Source,
    /// Starts seen through the gateway (0: none seen; the verification began elsewhere).
    pub attempt: u32,
    /// When the current attempt started (0: unknown).
    pub started_at_ms: i64,
    /// Documents requested in this attempt.
    pub documents: Vec<Document>,
    /// When documents were first requested in this attempt.
    pub documents_requested_at_ms: Option<i64>,
    /// States of this attempt already relayed from a webhook (bits of `State::bit`).
    pub relayed_by_webhook: u16,
    /// States of this attempt already relayed by reconciliation.
    pub relayed_by_reconciliation: u16,
    /// The latest status body Atelio sent for it (K2/BOK2/KB2 JSON), to answer reads from.
    pub body: Option<String>,
    /// Transitions, oldest first (at most `MAX_HISTORY`).
    pub history: Vec<Transition>,
    /// When reconciliation should poll next (None: nothing pending).
    pub next_poll_ms: Option<i64>,
    /// Reconciliation polls made in this attempt.
    pub polls: u32,
    /// Optimistic-concurrency version (0: never stored).
    pub version: u64,
}

/// What was learned, from where.
#[derive(Clone, Debug)]
pub struct Observation {
    /// The state.
    pub state: State,
    /// As spelled.
    pub raw: String,
    /// How it was learned.
    pub source: Source,
    /// When (ms since the epoch).
    pub at_ms: i64,
    /// Documents listed with it (empty: none listed).
    pub documents: Vec<Document>,
    /// The status body, when it came from a status read.
    pub body: Option<String>,
}

impl Record {
    /// A verification the mirror has not seen before.
    pub fn new(key: Key, business_id: Option<String>, now_ms: i64) -> Record {
        Record {
            key,
            business_id,
            state: State::Other,
            state_raw: String::new(),
            learned_at_ms: now_ms,
            learned_from: Source::Response,
            attempt: 0,
            started_at_ms: 0,
            documents: Vec::new(),
            documents_requested_at_ms: None,
            relayed_by_webhook: 0,
            relayed_by_reconciliation: 0,
            body: None,
            history: Vec::new(),
            next_poll_ms: None,
            polls: 0,
            version: 0,
        }
    }

    /// A start was accepted: a new attempt begins (nothing of it relayed yet).
    pub fn begin_attempt(&mut self, at_ms: i64) {
        self.attempt = self.attempt.saturating_add(1);
        self.started_at_ms = at_ms;
        self.documents.clear();
        self.documents_requested_at_ms = None;
        self.relayed_by_webhook = 0;
        self.relayed_by_reconciliation = 0;
        self.polls = 0;
        self.body = None;
    }

    /// Takes in what was learned; returns whether the state changed.
    pub fn observe(&mut self, o: Observation) -> bool {
        let changed = o.state != self.state || self.history.is_empty();
        if changed {
            self.history.push(Transition {
                state: o.state,
                at_ms: o.at_ms,
                source: o.source,
            });
            if self.history.len() > MAX_HISTORY {
                self.history.remove(0);
            }
        }
        self.state = o.state;
        self.state_raw = o.raw;
        self.learned_at_ms = o.at_ms;
        self.learned_from = o.source;
        if o.state == State::DocumentRequired && self.documents_requested_at_ms.is_none() {
            self.documents_requested_at_ms = Some(o.at_ms);
        }
        if !o.documents.is_empty() {
            self.documents = o.documents;
        }
        if o.body.is_some() {
            self.body = o.body;
        }
        changed
    }

    /// Whether a webhook for `state` may be a late copy of a transition already relayed
    /// (then it carries the transition's dedupe key): true unless a webhook of this attempt
    /// already reported the same state, in which case this is a new occurrence.
    pub fn webhook_may_repeat(&self, state: State) -> bool {
        self.relayed_by_webhook & state.bit() == 0
    }

    /// Whether reconciliation finding `state` must relay it: nobody relayed it in this attempt.
    pub fn needs_relay(&self, state: State) -> bool {
        (self.relayed_by_webhook | self.relayed_by_reconciliation) & state.bit() == 0
    }

    /// The dedupe key shared by every relay of this attempt's transition to `state`, whatever
    /// its origin, so the event log stores it once.
    pub fn transition_key(&self, state: State) -> String {
        format!(
            "transition:{}:{}:{:?}",
            self.key.text(),
            self.attempt,
            state
        )
    }

    /// When this attempt's documents expire (28 days after they were first requested, Atelio's
    /// start-KYC guide; its KYC page says 30, the shorter is used).
    pub fn documents_expire_at_ms(&self, expiry_ms: i64) -> Option<i64> {
        self.documents_requested_at_ms
            .map(|at| at.saturating_add(expiry_ms))
    }

    /// Whether documents were requested in this attempt (tells a document expiry from a vendor
    /// time-out on `KYC_TIMEOUT`).
    pub fn documents_were_requested(&self) -> bool {
        self.documents_requested_at_ms.is_some()
            || self
                .history
                .iter()
                .any(|t| t.state == State::DocumentRequired && t.at_ms >= self.started_at_ms)
    }
}
