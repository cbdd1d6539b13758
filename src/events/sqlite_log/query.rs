//! The SQLite event log's read side: row ↔ model mapping and the `read_after` query. A filter
//! becomes SQL conditions (`kind IN (…)`, one `subject_type = ? AND subject_id IN (…)` per id
//! set); only `?` placeholders are ever written into the SQL text, every value is bound.
use std::collections::BTreeSet;

use bytes::Bytes;
use rusqlite::types::{Type, Value};
use rusqlite::{Connection, OptionalExtension, Row, params_from_iter};

use super::super::log::{Filter, StoredEvent};
use super::super::model::{EventKind, Subject};

/// Rows per job when a filter is too large to bind and is applied here instead.
pub(super) const SCAN_PAGE: usize = 512;
/// The most values one query binds (well under SQLite's own limit).
const MAX_BOUND: usize = 500;

/// The selected columns, in the order `from_row` reads them.
macro_rules! select {
    () => {
        "SELECT sequence, received_at, kind, subject_type, subject_id, payload FROM events"
    };
}
const COLUMNS: &str = select!();
const ONE: &str = concat!(select!(), " WHERE sequence = ?1");
const ALL_AFTER: &str = concat!(select!(), " WHERE sequence > ?1 ORDER BY sequence LIMIT ?2");

/// `subject_type` values.
const NO_SUBJECT: i64 = 0;
const CUSTOMER: i64 = 1;
const BUSINESS: i64 = 2;
const BENEFICIAL_OWNER: i64 = 3;

/// The stored columns of a subject.
pub(super) fn subject_columns(subject: &Subject) -> (i64, Option<&str>) {
    let kind = match subject {
        Subject::Customer(_) => CUSTOMER,
        Subject::Business(_) => BUSINESS,
        Subject::BeneficialOwner(_) => BENEFICIAL_OWNER,
        Subject::None => NO_SUBJECT,
    };
    (kind, subject.id())
}

/// The event with this sequence, if retained (none beyond SQLite's integer range).
pub(super) fn get(conn: &Connection, sequence: u64) -> rusqlite::Result<Option<StoredEvent>> {
    let Ok(sequence) = i64::try_from(sequence) else {
        return Ok(None);
    };
    conn.prepare_cached(ONE)?
        .query_row([sequence], from_row)
        .optional()
}

/// One `read_after` query, ready to run on the database thread.
#[derive(Debug)]
pub(super) struct Select {
    /// None: the fixed, unfiltered query (cached statement).
    sql: Option<String>,
    values: Vec<Value>,
}

impl Select {
    /// Every event after `after`, at most `limit`.
    pub(super) fn all(after: u64, limit: usize) -> Select {
        Select {
            sql: None,
            values: vec![integer(after), integer(limit)],
        }
    }

    /// Matching events after `after`, at most `limit`; None when the filter has more values than
    /// one query should bind.
    pub(super) fn new(after: u64, filter: &Filter, limit: usize) -> Option<Select> {
        if filter.is_empty() {
            return Some(Select::all(after, limit));
        }
        let mut sql = format!("{COLUMNS} WHERE sequence > ?");
        let mut values = vec![integer(after)];
        let kinds: BTreeSet<u8> = filter.kinds.iter().map(|k| k.code()).collect();
        if !kinds.is_empty() {
            sql.push_str(&format!(" AND kind IN ({})", placeholders(kinds.len())));
            values.extend(kinds.into_iter().map(|k| Value::Integer(k.into())));
        }
        if filter.has_ids() {
            sql.push_str(&format!(" AND ({})", subjects(filter, &mut values)));
        }
        sql.push_str(" ORDER BY sequence LIMIT ?");
        values.push(integer(limit));
        (values.len() <= MAX_BOUND).then_some(Select {
            sql: Some(sql),
            values,
        })
    }

    /// Runs the query.
    pub(super) fn run(self, conn: &Connection) -> rusqlite::Result<Vec<StoredEvent>> {
        let Select { sql, values } = self;
        let values = params_from_iter(values);
        match sql {
            Some(sql) => conn.prepare(&sql)?.query_map(values, from_row)?.collect(),
            None => conn
                .prepare_cached(ALL_AFTER)?
                .query_map(values, from_row)?
                .collect(),
        }
    }
}

/// `(subject_type = ? AND subject_id IN (?, …)) OR …` for each non-empty id set; pushes the
/// values it binds.
fn subjects(filter: &Filter, values: &mut Vec<Value>) -> String {
    let sets = [
        (CUSTOMER, &filter.customer_ids),
        (BUSINESS, &filter.business_ids),
        (BENEFICIAL_OWNER, &filter.beneficial_owner_ids),
    ];
    let mut parts = Vec::new();
    for (subject_type, ids) in sets {
        let ids: BTreeSet<&String> = ids.iter().collect();
        if ids.is_empty() {
            continue;
        }
        let condition = "(subject_type = ? AND subject_id IN (";
        parts.push(format!("{condition}{}))", placeholders(ids.len())));
        values.push(Value::Integer(subject_type));
        values.extend(ids.into_iter().map(|id| Value::Text(id.clone())));
    }
    parts.join(" OR ")
}

/// `?, ?, …` (`n` of them).
fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// A sequence or limit as SQLite's integer (clamped; neither comes near `i64::MAX`).
fn integer(n: impl TryInto<i64>) -> Value {
    Value::Integer(n.try_into().unwrap_or(i64::MAX))
}

/// A row of `COLUMNS` as an event.
fn from_row(row: &Row<'_>) -> rusqlite::Result<StoredEvent> {
    let subject_type: i64 = row.get(3)?;
    let id: Option<String> = row.get(4)?;
    let subject = match (subject_type, id) {
        (NO_SUBJECT, _) => Subject::None,
        (CUSTOMER, Some(id)) => Subject::Customer(id),
        (BUSINESS, Some(id)) => Subject::Business(id),
        (BENEFICIAL_OWNER, Some(id)) => Subject::BeneficialOwner(id),
        _ => return Err(corrupt(3, "subject_type/subject_id")),
    };
    Ok(StoredEvent {
        sequence: row.get(0)?,
        received_at_ms: row.get(1)?,
        kind: EventKind::from_code(row.get(2)?),
        subject,
        payload: Bytes::from(row.get::<_, Vec<u8>>(5)?),
    })
}

fn corrupt(column: usize, what: &str) -> rusqlite::Error {
    let message = format!("unexpected {what} in a stored event");
    rusqlite::Error::FromSqlConversionFailure(column, Type::Integer, message.into())
}
