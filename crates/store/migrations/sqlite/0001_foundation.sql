-- Lyhörd foundation schema (SQLite). Times are microseconds since the Unix epoch, UTC.

CREATE TABLE jurisdictions (
    id          TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    -- The ways to reach the municipality, shown on the start page (V-S1).
    email             TEXT,
    phone             TEXT,
    visiting_address  TEXT,
    opening_hours     TEXT,
    created_at        INTEGER NOT NULL
);

CREATE TABLE org_nodes (
    id               TEXT PRIMARY KEY,
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    parent_id        TEXT REFERENCES org_nodes(id),
    level            TEXT NOT NULL,
    name             TEXT NOT NULL,
    manager_name     TEXT,
    manager_user_id  BLOB
);
CREATE INDEX org_nodes_jurisdiction ON org_nodes (jurisdiction_id);

CREATE TABLE users (
    id               BLOB PRIMARY KEY,
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    username         TEXT NOT NULL UNIQUE,
    display_name     TEXT NOT NULL,
    email            TEXT,
    password_hash    TEXT NOT NULL,
    role             TEXT NOT NULL,
    node_id          TEXT REFERENCES org_nodes(id),
    disabled         INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL
);

CREATE TABLE staff_sessions (
    id_hash       BLOB PRIMARY KEY,
    user_id       BLOB NOT NULL REFERENCES users(id),
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL
);
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);

CREATE TABLE categories (
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    code             TEXT NOT NULL,
    name_sv          TEXT NOT NULL,
    name_en          TEXT NOT NULL,
    group_sv         TEXT NOT NULL,
    group_en         TEXT NOT NULL,
    node_id          TEXT NOT NULL REFERENCES org_nodes(id),
    kinds            TEXT NOT NULL DEFAULT '',
    public           INTEGER NOT NULL DEFAULT 1,
    position         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (jurisdiction_id, code)
);

-- The last case serial handed out per jurisdiction and year: numbers without gaps.
CREATE TABLE case_counters (
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    year             INTEGER NOT NULL,
    last_serial      INTEGER NOT NULL,
    PRIMARY KEY (jurisdiction_id, year)
);

-- The projection of each case's events, for queries. Rebuildable from case_events.
CREATE TABLE cases (
    id               BLOB PRIMARY KEY,
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    number           TEXT NOT NULL,
    kind             TEXT NOT NULL,
    channel          TEXT NOT NULL,
    category         TEXT NOT NULL,
    node_id          TEXT NOT NULL REFERENCES org_nodes(id),
    handler_id       BLOB,
    status           TEXT NOT NULL,
    anonymous        INTEGER NOT NULL,
    submitter_role   TEXT,
    received_at      INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    -- Due time of the nearest running clock; 9223372036854775807 when none runs.
    due_at           INTEGER NOT NULL,
    event_count      INTEGER NOT NULL,
    head_hash        BLOB NOT NULL,
    idempotency_key  TEXT,
    UNIQUE (jurisdiction_id, number)
);
-- Only submissions that carry a key need the index (most do not).
CREATE UNIQUE INDEX cases_idempotency ON cases (jurisdiction_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- Inboxes: each unit's open cases by deadline; several units' inboxes merge these.
CREATE INDEX cases_inbox ON cases (node_id, due_at, received_at, id) WHERE status <> 'closed';
CREATE INDEX cases_received ON cases (jurisdiction_id, received_at);

CREATE TABLE case_events (
    case_id    BLOB NOT NULL REFERENCES cases(id),
    seq        INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    type       TEXT NOT NULL,
    actor      TEXT NOT NULL,
    payload    TEXT NOT NULL,
    prev_hash  BLOB NOT NULL,
    hash       BLOB NOT NULL,
    PRIMARY KEY (case_id, seq)
);

-- Events are append-only (C1): corrections are new events.
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;
