//! Relaying through the mirror: a webhook is appended with its body key and, when it may be a
//! late copy of a transition reconciliation already relayed, that transition's key too (so the
//! log stores it once); a reconciled transition is appended under its transition key alone.
//! Either way the event carries the mirror's context (origin, program, whether documents were
//! requested, their expiry) and the record learns the state afterwards. The append is the
//! durable step: a mirror failure never fails it (the event is relayed without the context).
use std::sync::Arc;

use super::record::{Document, Record, Source};
use super::state::{State, SubjectKind};
use super::{Mirror, observation};
use crate::events::hub::Hub;
use crate::events::log::{Appended, LogError};
use crate::events::model::{Context, EventDocument, Origin, ParsedEvent, Subject};

/// The subject type and id of an event's subject.
pub fn subject_key(s: &Subject) -> Option<(SubjectKind, &str)> {
    match s {
        Subject::Customer(id) => Some((SubjectKind::Customer, id)),
        Subject::BeneficialOwner(id) => Some((SubjectKind::BeneficialOwner, id)),
        Subject::Business(id) => Some((SubjectKind::Business, id)),
        Subject::None => None,
    }
}

/// What the record says about an event of `state` relayed now.
fn context(r: &Record, state: Option<State>, origin: Origin, expiry_ms: i64) -> Context {
    let now = crate::clock::now_ms();
    let requested_at = match state {
        Some(State::DocumentRequired) => Some(r.documents_requested_at_ms.unwrap_or(now)),
        _ => r.documents_requested_at_ms,
    };
    Context {
        origin,
        program_id: r.key.program.clone(),
        document_request_preceded: state == Some(State::Expired) && r.documents_were_requested(),
        documents_expire_at_ms: requested_at.map(|at| at.saturating_add(expiry_ms)),
    }
}

fn documents(e: &ParsedEvent) -> Vec<Document> {
    e.documents
        .iter()
        .map(|d| Document {
            document_type: d.document_type.clone(),
            upload_link: d.upload_link.clone(),
            status: d.status.clone(),
        })
        .collect()
}

/// Appends a verified webhook (deduplicated by `body_key`, and against a reconciled copy of
/// its transition) and lets the mirror learn its state. Without a mirror: a plain append.
pub async fn webhook(
    mirror: Option<&Mirror>,
    hub: &Arc<Hub>,
    mut event: ParsedEvent,
    body_key: String,
) -> Result<Appended, LogError> {
    let state = State::of_event(event.kind);
    let record = match (mirror, subject_key(&event.subject)) {
        (Some(m), Some((kind, id))) => m.of_webhook(kind, id).await,
        _ => None,
    };
    let (Some(mirror), Some(record)) = (mirror, record) else {
        return hub.append(event, body_key).await;
    };
    let also = state
        .filter(|s| record.webhook_may_repeat(*s))
        .map(|s| record.transition_key(s));
    event.context = context(&record, state, Origin::Webhook, mirror.document_expiry_ms());
    let docs = documents(&event);
    let appended = hub.append_keyed(event, body_key, also.clone()).await?;
    let Some(state) = state else {
        return Ok(appended);
    };
    let metrics = &crate::metrics::get().mirror;
    match appended {
        Appended::New(_) => metrics.relayed.with_label_values(&["webhook"]).inc(),
        Appended::Duplicate(_) if also.is_some() => metrics.late_webhooks.inc(),
        Appended::Duplicate(_) => {}
    }
    let out = mirror
        .update(&record.key, None, |r| {
            if r.attempt == record.attempt {
                r.relayed_by_webhook |= state.bit();
            }
            let raw = state.canonical();
            r.observe(observation(state, raw, Source::Webhook, docs.clone(), None));
        })
        .await;
    super::log_failure(out, "webhook");
    Ok(appended)
}

/// A reconciled transition of `record` to `state` as the event a webhook would have carried.
pub fn reconciled_event(
    record: &Record,
    state: State,
    documents: &[Document],
    body: &str,
    expiry_ms: i64,
) -> Option<ParsedEvent> {
    let kind = state.event(record.key.kind)?;
    let id = record.key.id.clone();
    let subject = match record.key.kind {
        SubjectKind::Customer => Subject::Customer(id),
        SubjectKind::BeneficialOwner => Subject::BeneficialOwner(id),
        SubjectKind::Business => Subject::Business(id),
    };
    let documents = documents
        .iter()
        .map(|d| EventDocument {
            document_type: d.document_type.clone(),
            upload_link: d.upload_link.clone(),
            status: d.status.clone(),
        })
        .collect();
    Some(ParsedEvent {
        kind,
        event_name: super::state::event_name(kind).to_string(),
        subject,
        occurred_at: None,
        occurred_at_raw: String::new(),
        documents,
        fields: Vec::new(),
        reasons: Vec::new(),
        reasons_text: String::new(),
        error_code: String::new(),
        description: String::new(),
        kyb_details: Vec::new(),
        inquiry_id: String::new(),
        raw_json: body.to_string(),
        context: context(record, Some(state), Origin::Reconciled, expiry_ms),
    })
}
