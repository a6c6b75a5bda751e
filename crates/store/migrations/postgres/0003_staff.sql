-- The staff workspace (issue 5): access log, full-text search, answer templates, API keys,
-- and policies edited in the administration pages.

-- Every staff view of a case: who, what, when (C5).
CREATE TABLE access_log (
    id       UUID PRIMARY KEY,
    case_id  UUID NOT NULL REFERENCES cases(id),
    user_id  UUID NOT NULL REFERENCES users(id),
    at       BIGINT NOT NULL,
    action   TEXT NOT NULL
);
CREATE INDEX access_log_case ON access_log (case_id, at);

-- The searchable text of each case, indexed with the Swedish text search configuration.
CREATE TABLE case_search (
    case_id  UUID PRIMARY KEY REFERENCES cases(id),
    body     TEXT NOT NULL,
    tsv      tsvector GENERATED ALWAYS AS (to_tsvector('swedish', body)) STORED
);
CREATE INDEX case_search_tsv ON case_search USING GIN (tsv);
INSERT INTO case_search (case_id, body)
SELECT c.id, c.number || ' ' || replace(c.number, '-', ' ') || ' ' || coalesce(e.payload::jsonb #>> '{submission,description}', '') || ' ' ||
       coalesce(e.payload::jsonb #>> '{submission,place}', '') || ' ' ||
       coalesce(e.payload::jsonb #>> '{submission,submitter,name}', '') || ' ' ||
       coalesce(e.payload::jsonb #>> '{submission,submitter,email}', '')
FROM cases c JOIN case_events e ON e.case_id = c.id AND e.seq = 1;

-- Cases received but not yet in the search index: intake only notes the id, and the
-- indexer (Store::index_pending) adds the text soon after, off the receipt's path.
CREATE TABLE search_pending (
    case_id  UUID PRIMARY KEY REFERENCES cases(id)
);

CREATE INDEX cases_handler ON cases (handler_id, due_at) WHERE status <> 'closed' AND handler_id IS NOT NULL;

CREATE TABLE answer_templates (
    id               UUID PRIMARY KEY,
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    name             TEXT NOT NULL,
    language         TEXT NOT NULL,
    body             TEXT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (jurisdiction_id, name, language)
);

-- Keys for the Open311 API; only a hash of each key is kept.
CREATE TABLE api_keys (
    id               UUID PRIMARY KEY,
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    name             TEXT NOT NULL,
    key_hash         BYTEA NOT NULL UNIQUE,
    created_at       BIGINT NOT NULL,
    revoked_at       BIGINT
);

-- A jurisdiction's policy as saved in the administration pages (TOML, as in policy files).
CREATE TABLE jurisdiction_policies (
    jurisdiction_id  TEXT PRIMARY KEY REFERENCES jurisdictions(id),
    toml             TEXT NOT NULL,
    updated_at       BIGINT NOT NULL
);

-- What staff decided about a quarantined submission: registered as a case, or set aside as
-- spam. Either way the row and everything received stay (E6).
ALTER TABLE quarantine ADD COLUMN resolution TEXT;
ALTER TABLE quarantine ADD COLUMN resolved_at BIGINT;
ALTER TABLE quarantine ADD COLUMN resolved_by UUID;
ALTER TABLE quarantine ADD COLUMN case_id UUID;
