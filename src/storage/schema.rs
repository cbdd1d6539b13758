//! The schema of the gateway's SQLite file, as numbered migrations. The idempotency records and
//! the event log share one file by default, so the file has one version (`PRAGMA user_version`)
//! covering both; a file used for only one of them simply keeps the other's tables empty.
//! Version N is reached by running `MIGRATIONS[..N]` in order; each migration runs once.
//! Never edit a migration that has shipped: add the next one.

/// Version 1: the schema before versioning (a file with `user_version = 0` and these tables is
/// a version-1 file; the statements are idempotent, so running this on it changes nothing).
const V1: &str = "
CREATE TABLE IF NOT EXISTS idempotency_records (
    key TEXT PRIMARY KEY,
    fingerprint BLOB NOT NULL,
    state INTEGER NOT NULL,
    lease_until INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ok INTEGER,
    payload BLOB
);
CREATE INDEX IF NOT EXISTS idempotency_records_expires_at
    ON idempotency_records (expires_at);
CREATE TABLE IF NOT EXISTS events (
    sequence INTEGER PRIMARY KEY,
    received_at INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    subject_type INTEGER NOT NULL,
    subject_id TEXT,
    payload BLOB NOT NULL,
    dedupe_key BLOB NOT NULL,
    dedupe_until INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_subject
    ON events (subject_type, subject_id, sequence);
CREATE INDEX IF NOT EXISTS events_dedupe ON events (dedupe_key);
CREATE TABLE IF NOT EXISTS event_dedupe (
    key BLOB PRIMARY KEY,
    sequence INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS event_meta (
    name TEXT PRIMARY KEY,
    value INTEGER
);
INSERT OR IGNORE INTO event_meta (name, value)
    VALUES ('latest', (SELECT COALESCE(MAX(sequence), 0) FROM events));
";

/// Version 2: idempotency records remember when their first attempt began (0 = unknown, for
/// records written by version 1), so a call that resumes after a lost answer can bound its
/// search for what that attempt created.
const V2: &str = "
ALTER TABLE idempotency_records ADD COLUMN started_at INTEGER NOT NULL DEFAULT 0;
";

/// Version 3: the verification-state mirror (one JSON record per subject × program, indexed by
/// subject and, while pending, by when reconciliation polls it next).
const V3: &str = "
CREATE TABLE IF NOT EXISTS mirror (
    key TEXT PRIMARY KEY,
    kind INTEGER NOT NULL,
    subject_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    next_poll INTEGER,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS mirror_subject ON mirror (kind, subject_id);
CREATE INDEX IF NOT EXISTS mirror_due ON mirror (next_poll) WHERE next_poll IS NOT NULL;
";

/// Every migration, oldest first: `MIGRATIONS.len()` is the current version.
pub const MIGRATIONS: &[&str] = &[V1, V2, V3];

/// The version this build writes.
pub const VERSION: u32 = MIGRATIONS.len() as u32;
