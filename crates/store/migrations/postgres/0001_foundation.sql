-- Lyhörd foundation schema (PostgreSQL). Times are microseconds since the Unix epoch, UTC,
-- as on SQLite, so that both backends share their SQL.

CREATE TABLE jurisdictions (
    id          TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    -- The ways to reach the municipality, shown on the start page (V-S1).
    email             TEXT,
    phone             TEXT,
    visiting_address  TEXT,
    opening_hours     TEXT,
    created_at        BIGINT NOT NULL
);

CREATE TABLE org_nodes (
    id               TEXT PRIMARY KEY,
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    parent_id        TEXT REFERENCES org_nodes(id),
    level            TEXT NOT NULL,
    name             TEXT NOT NULL,
    manager_name     TEXT,
    manager_user_id  UUID
);
CREATE INDEX org_nodes_jurisdiction ON org_nodes (jurisdiction_id);

CREATE TABLE users (
    id               UUID PRIMARY KEY,
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    username         TEXT NOT NULL UNIQUE,
    display_name     TEXT NOT NULL,
    email            TEXT,
    password_hash    TEXT NOT NULL,
    role             TEXT NOT NULL,
    node_id          TEXT REFERENCES org_nodes(id),
    disabled         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       BIGINT NOT NULL
);

CREATE TABLE staff_sessions (
    id_hash       BYTEA PRIMARY KEY,
    user_id       UUID NOT NULL REFERENCES users(id),
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL
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
    public           BOOLEAN NOT NULL DEFAULT TRUE,
    position         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (jurisdiction_id, code)
);

CREATE TABLE case_counters (
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    year             BIGINT NOT NULL,
    last_serial      BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction_id, year)
);

CREATE TABLE cases (
    id               UUID PRIMARY KEY,
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    number           TEXT NOT NULL,
    kind             TEXT NOT NULL,
    channel          TEXT NOT NULL,
    category         TEXT NOT NULL,
    node_id          TEXT NOT NULL REFERENCES org_nodes(id),
    handler_id       UUID,
    status           TEXT NOT NULL,
    anonymous        BOOLEAN NOT NULL,
    submitter_role   TEXT,
    received_at      BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    due_at           BIGINT NOT NULL,
    event_count      BIGINT NOT NULL,
    head_hash        BYTEA NOT NULL,
    idempotency_key  TEXT,
    UNIQUE (jurisdiction_id, number)
);
-- Only submissions that carry a key need the index (most do not).
CREATE UNIQUE INDEX cases_idempotency ON cases (jurisdiction_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- Inboxes: each unit's open cases by deadline; several units' inboxes merge these.
CREATE INDEX cases_inbox ON cases (node_id, due_at, received_at, id) WHERE status <> 'closed';
CREATE INDEX cases_received ON cases (jurisdiction_id, received_at);

CREATE TABLE case_events (
    case_id    UUID NOT NULL REFERENCES cases(id),
    seq        BIGINT NOT NULL,
    at         BIGINT NOT NULL,
    type       TEXT NOT NULL,
    actor      TEXT NOT NULL,
    payload    TEXT NOT NULL,
    prev_hash  BYTEA NOT NULL,
    hash       BYTEA NOT NULL,
    PRIMARY KEY (case_id, seq)
);

CREATE FUNCTION lyhord_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case events are append-only';
END
$$;
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION lyhord_append_only();
CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events
    FOR EACH STATEMENT EXECUTE FUNCTION lyhord_append_only();
