//! Learning a state from Atelio's answers (a start, a caller's status read, a reconciliation
//! poll). A transition nobody relayed yet (no webhook, no earlier read) is appended as a
//! `RECONCILED` event under the transition key first, then the record learns the state and
//! marks it relayed: a crash between the two only means the next read appends again, and the
//! log recognises the key.
use serde_json::Value;

use super::record::{Document, Key, Record, Source};
use super::relay::reconciled_event;
use super::state::{State, SubjectKind};
use super::{Mirror, observation};
use crate::events::log::Appended;
use crate::events::model::EventKybDetail;

/// A state as a status body (K2, BOK2, KB2) or a start answer shows it.
#[derive(Clone, Debug)]
pub struct Learned {
    /// The state.
    pub state: State,
    /// As spelled.
    pub raw: String,
    /// Documents listed.
    pub documents: Vec<Document>,
    /// The body itself (status reads only).
    pub body: Option<Value>,
}

impl Learned {
    /// What a status body says, for a subject of type `kind`.
    pub fn from_body(kind: SubjectKind, body: &Value) -> Learned {
        let field = match kind {
            SubjectKind::Business => "kyb_status",
            _ => "kyc_status",
        };
        let raw = body.get(field).and_then(Value::as_str).unwrap_or_default();
        let docs = body.get("documents").and_then(Value::as_array);
        let documents = docs.into_iter().flatten().map(|d| Document {
            document_type: text(d, "document_type"),
            upload_link: text(d, "upload_link"),
            status: text(d, "status"),
        });
        Learned {
            state: State::parse(raw),
            raw: raw.to_string(),
            documents: documents.collect(),
            body: Some(body.clone()),
        }
    }

    /// What a start answer says (`raw`: its `kyc_status` / `kyb_status`).
    pub fn from_start(raw: &str) -> Learned {
        Learned {
            state: State::parse(raw),
            raw: raw.to_string(),
            documents: Vec::new(),
            body: None,
        }
    }
}

/// Events of one subject read per page, and the most pages read, when a recovered start looks
/// for webhooks that came before its record.
const LOG_PAGE: usize = 100;
const LOG_PAGES: usize = 10;

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

impl Mirror {
    /// Learns `l` about `key` from `source`, relaying the transition if nobody has (before the
    /// record learns it, so a crash in between relays it again rather than never); `start`: the
    /// answer of an accepted start (a new attempt begins first). Failures are logged and
    /// counted, never returned: the call this serves has its answer already.
    pub async fn learn(
        &self,
        key: Key,
        business_id: Option<&str>,
        l: Learned,
        source: Source,
        start: bool,
    ) {
        let current = if start {
            self.start(&key, business_id, l.state).await.map(Some)
        } else {
            self.store.load(&key).await
        };
        let current = match current {
            Ok(r) => r,
            Err(e) => return super::log_failure(Err(e), if start { "start" } else { "load" }),
        };
        let relayed = match current.as_ref() {
            Some(r) if r.needs_relay(l.state) => self.relay(r, &l).await,
            _ => false,
        };
        let attempt = current.as_ref().map(|r| r.attempt);
        let body = l.body.as_ref().map(Value::to_string);
        let out = self
            .update(&key, business_id, |r| {
                if source == Source::Reconciliation {
                    r.polls = r.polls.saturating_add(1);
                }
                if relayed && Some(r.attempt) == attempt {
                    r.relayed_by_reconciliation |= l.state.bit();
                }
                let o = observation(l.state, &l.raw, source, l.documents.clone(), body.clone());
                r.observe(o);
            })
            .await;
        super::log_failure(out, "learn");
    }

    /// An accepted start. A fresh acceptance (`submitted`…) begins a new attempt; a start
    /// recovered as a status read (its answer was lost, or one was already running) continues
    /// a pending attempt, else begins one. A new attempt may have begun before the gateway
    /// learned of it (an answer lost or slower than the webhooks), so the webhooks the log
    /// holds for the subject since the previous attempt ended count as relayed: they came
    /// before the record could give them its transition key. Returns the record as it now is.
    /// The log is read after the attempt began, so a webhook arriving meanwhile is either in the
    /// log or attributed to the new attempt.
    async fn start(
        &self,
        key: &Key,
        business_id: Option<&str>,
        state: State,
    ) -> Result<Record, super::MirrorError> {
        let fresh = state.is_start();
        let prior = self.store.load(key).await?;
        let continuing = |r: &Record| !fresh && r.attempt > 0 && r.state.is_pending();
        if let Some(p) = prior.as_ref().filter(|p| continuing(p)) {
            return Ok(p.clone());
        }
        let now = crate::clock::now_ms();
        let begun = self
            .update(key, business_id, |r| r.begin_attempt(now))
            .await?;
        let since = prior
            .filter(|p| p.attempt > 0)
            .map_or(0, |p| p.learned_at_ms);
        let logged = self.logged_states(key, since).await;
        if logged == 0 {
            return Ok(begun);
        }
        self.update(key, business_id, |r| {
            if r.attempt == begun.attempt {
                r.relayed_by_webhook |= logged;
            }
        })
        .await
    }

    /// The states of the events the log holds for `key`'s subject received after `since_ms`
    /// (as state bits; a failed read counts nothing: reconciliation then relays, at worst twice).
    async fn logged_states(&self, key: &Key, since_ms: i64) -> u16 {
        let id = vec![key.id.clone()];
        let mut filter = crate::events::log::Filter::default();
        match key.kind {
            SubjectKind::Customer => filter.customer_ids = id,
            SubjectKind::BeneficialOwner => filter.beneficial_owner_ids = id,
            SubjectKind::Business => filter.business_ids = id,
        }
        let (mut after, mut bits) = (0, 0);
        for _ in 0..LOG_PAGES {
            let page = match self.hub.log().read_after(after, &filter, LOG_PAGE).await {
                Ok(page) => page,
                Err(e) => {
                    tracing::warn!(error = %e, "mirror could not read the log");
                    return bits;
                }
            };
            for e in page.iter().filter(|e| e.received_at_ms > since_ms) {
                bits |= State::of_event(e.kind).map_or(0, State::bit);
            }
            match page.last() {
                Some(last) if page.len() == LOG_PAGE => after = last.sequence,
                _ => break,
            }
        }
        bits
    }

    /// Appends `r`'s transition to `l.state` as a reconciled event (if it has an event kind);
    /// true when it is in the log (new or already there).
    async fn relay(&self, r: &Record, l: &Learned) -> bool {
        let body = l.body.as_ref().map(Value::to_string).unwrap_or_default();
        let expiry = self.document_expiry_ms();
        let Some(mut event) = reconciled_event(r, l.state, &l.documents, &body, expiry) else {
            return false;
        };
        if let Some(b) = &l.body {
            event.kyb_details = kyb_details(b);
            event.reasons = results(b);
        }
        match self
            .hub
            .append_keyed(event, r.transition_key(l.state), None)
            .await
        {
            Ok(appended) => {
                if matches!(appended, Appended::New(_)) {
                    let m = &crate::metrics::get().mirror;
                    m.relayed.with_label_values(&["reconciled"]).inc();
                    tracing::info!(subject = r.key.kind.name(), state = ?l.state, "relayed a transition no webhook reported");
                }
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not relay a reconciled transition");
                false
            }
        }
    }
}

/// KB2's `details` as event details.
fn kyb_details(body: &Value) -> Vec<EventKybDetail> {
    let details = body.get("details").and_then(Value::as_array);
    details
        .into_iter()
        .flatten()
        .map(|d| EventKybDetail {
            code: text(d, "code"),
            reason: text(d, "reason"),
        })
        .collect()
}

/// K2's per-check `results` as the event's `reasons`, sorted by check.
fn results(body: &Value) -> Vec<(String, String)> {
    let Some(Value::Object(m)) = body.get("results") else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = m
        .iter()
        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
        .collect();
    out.sort();
    out
}
