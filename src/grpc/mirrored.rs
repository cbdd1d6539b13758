//! Status reads and starts through the mirror. A start's answer and every status answer are
//! learned (`Mirror::learn`); a status read that accepts `max_staleness` is answered from the
//! mirror when its state is fresh enough or final, with no upstream call; else identical
//! concurrent reads share one upstream call (`coalesce`). Either way the answer
//! says where it came from (`StatusProvenance`). The body served from the mirror is the last
//! status body Atelio sent when it still shows the mirror's state, else one built from the
//! state and documents the mirror holds, so both paths decode the same way.
use std::time::Duration;

use serde_json::{Value, json};

use super::coalesce::Served;
use super::{Call, Gateway, GatewayError};
use crate::domain::ResourceId;
use crate::mirror::learn::Learned;
use crate::mirror::record::{Key, Record, Source};
use crate::mirror::state::{State, SubjectKind};
use crate::proto::v1 as pb;
use crate::upstream::UpstreamRequest;

/// The mirror key of a verification (KYB is keyed by business alone: KB2 takes no program).
pub fn key(kind: SubjectKind, id: &ResourceId, program: Option<&ResourceId>) -> Key {
    let program = match kind {
        SubjectKind::Business => String::new(),
        _ => program.map(|p| p.as_str().to_string()).unwrap_or_default(),
    };
    Key {
        kind,
        id: id.as_str().to_string(),
        program,
    }
}

/// Learns the answer of an accepted start (its `kyc_status` / `kyb_status` field).
pub async fn started(gw: &Gateway, key: Key, business: Option<&ResourceId>, body: &Value) {
    let Some(m) = gw.mirror() else { return };
    let field = status_field(key.kind);
    let raw = body.get(field).and_then(Value::as_str).unwrap_or_default();
    let learned = if State::parse(raw).is_start() {
        Learned::from_start(raw)
    } else {
        // A start recovered by a status read: the body is a status body.
        Learned::from_body(key.kind, body)
    };
    let business = business.map(ResourceId::as_str);
    m.learn(key, business, learned, Source::Response, true)
        .await;
}

/// The status body for `key`: from the mirror when `max_staleness` allows, else from `req`
/// (and learned). Returns it with its provenance.
pub async fn status(
    gw: &Gateway,
    call: &Call,
    key: Key,
    business: Option<&ResourceId>,
    max_staleness: Option<&prost_types::Duration>,
    req: UpstreamRequest,
) -> Result<(Value, pb::StatusProvenance), GatewayError> {
    let metrics = &crate::metrics::get().mirror.status_reads;
    let staleness = max_staleness.map_or(Duration::ZERO, to_duration);
    if let Some(m) = gw.mirror()
        && let Some(r) = m.fresh(&key, staleness).await
    {
        metrics
            .with_label_values(&["mirror", key.kind.name()])
            .inc();
        return Ok((body_of(&r), provenance(&r)));
    }
    let flight = format!("{} {}?{:?}", req.method, req.path, req.query);
    let deadline = call.deadline.instant();
    let read = gw.flights().read(flight, deadline, || gw.json(call, req));
    let (body, served) = read.await?;
    let source = match served {
        Served::Own => "upstream",
        Served::Joined => "coalesced",
    };
    metrics.with_label_values(&[source, key.kind.name()]).inc();
    if let Some(m) = gw.mirror() {
        let learned = Learned::from_body(key.kind, &body);
        let business = business.map(ResourceId::as_str);
        m.learn(key, business, learned, Source::Response, false)
            .await;
    }
    let now = crate::events::encode::timestamp(crate::clock::now_ms());
    let answered = pb::StatusProvenance {
        source: pb::StatusSource::Upstream as i32,
        as_of: Some(now),
        learned_from: pb::LearnedFrom::Response as i32,
    };
    Ok((body, answered))
}

fn to_duration(d: &prost_types::Duration) -> Duration {
    let ms = d.seconds.saturating_mul(1000) + i64::from(d.nanos / 1_000_000);
    Duration::from_millis(ms.max(0) as u64)
}

fn status_field(kind: SubjectKind) -> &'static str {
    match kind {
        SubjectKind::Business => "kyb_status",
        _ => "kyc_status",
    }
}

fn id_field(kind: SubjectKind) -> &'static str {
    match kind {
        SubjectKind::Customer => "customer_id",
        SubjectKind::BeneficialOwner => "beneficial_owner_id",
        SubjectKind::Business => "business_id",
    }
}

/// The body a mirror answer decodes from.
fn body_of(r: &Record) -> Value {
    let field = status_field(r.key.kind);
    let last = r
        .body
        .as_deref()
        .and_then(|b| serde_json::from_str::<Value>(b).ok());
    let shows = |b: &Value| b.get(field).and_then(Value::as_str).map(State::parse);
    match last {
        Some(b) if shows(&b) == Some(r.state) => b,
        _ => {
            let docs: Vec<Value> = r
                .documents
                .iter()
                .map(|d| json!({"document_type": d.document_type, "upload_link": d.upload_link, "status": d.status}))
                .collect();
            json!({ id_field(r.key.kind): r.key.id, field: r.state_raw, "documents": docs })
        }
    }
}

/// Where a mirror answer came from.
pub fn provenance(r: &Record) -> pb::StatusProvenance {
    pb::StatusProvenance {
        source: pb::StatusSource::Mirror as i32,
        as_of: Some(crate::events::encode::timestamp(r.learned_at_ms)),
        learned_from: learned_from(r.learned_from) as i32,
    }
}

/// The proto form of a source.
pub fn learned_from(s: Source) -> pb::LearnedFrom {
    match s {
        Source::Response => pb::LearnedFrom::Response,
        Source::Webhook => pb::LearnedFrom::Webhook,
        Source::Reconciliation => pb::LearnedFrom::Reconciliation,
    }
}
