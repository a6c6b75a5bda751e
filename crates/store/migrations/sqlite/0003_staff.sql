-- The staff workspace (issue 5): access log, full-text search, answer templates, API keys,
-- and policies edited in the administration pages.

-- Every staff view of a case: who, what, when (C5).
CREATE TABLE access_log (
    id       BLOB PRIMARY KEY,
    case_id  BLOB NOT NULL REFERENCES cases(id),
    user_id  BLOB NOT NULL REFERENCES users(id),
    at       INTEGER NOT NULL,
    action   TEXT NOT NULL
);
CREATE INDEX access_log_case ON access_log (case_id, at);

-- The searchable text of each case; FTS5 indexes it. Diacritics are kept: å, ä and ö
-- are letters of their own in Swedish, not decorated a and o.
CREATE TABLE case_search (
    id       INTEGER PRIMARY KEY,
    case_id  BLOB NOT NULL UNIQUE REFERENCES cases(id),
    body     TEXT NOT NULL
);
CREATE VIRTUAL TABLE case_fts USING fts5(
    body, content = 'case_search', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TRIGGER case_search_insert AFTER INSERT ON case_search BEGIN
    INSERT INTO case_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER case_search_update AFTER UPDATE ON case_search BEGIN
    INSERT INTO case_fts (case_fts, rowid, body) VALUES ('delete', old.id, old.body);
    INSERT INTO case_fts (rowid, body) VALUES (new.id, new.body);
END;
INSERT INTO case_search (case_id, body)
SELECT c.id, c.number || ' ' || replace(c.number, '-', ' ') || ' ' || coalesce(json_extract(e.payload, '$.submission.description'), '') || ' ' ||
       coalesce(json_extract(e.payload, '$.submission.place'), '') || ' ' ||
       coalesce(json_extract(e.payload, '$.submission.submitter.name'), '') || ' ' ||
       coalesce(json_extract(e.payload, '$.submission.submitter.email'), '')
FROM cases c JOIN case_events e ON e.case_id = c.id AND e.seq = 1;

-- Cases received but not yet in the search index: intake only notes the id, and the
-- indexer (Store::index_pending) adds the text soon after, off the receipt's path.
CREATE TABLE search_pending (
    case_id  BLOB PRIMARY KEY REFERENCES cases(id)
);

CREATE INDEX cases_handler ON cases (handler_id, due_at) WHERE status <> 'closed' AND handler_id IS NOT NULL;

CREATE TABLE answer_templates (
    id               BLOB PRIMARY KEY,
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    name             TEXT NOT NULL,
    language         TEXT NOT NULL,
    body             TEXT NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (jurisdiction_id, name, language)
);

-- Keys for the Open311 API; only a hash of each key is kept.
CREATE TABLE api_keys (
    id               BLOB PRIMARY KEY,
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    name             TEXT NOT NULL,
    key_hash         BLOB NOT NULL UNIQUE,
    created_at       INTEGER NOT NULL,
    revoked_at       INTEGER
);

-- A jurisdiction's policy as saved in the administration pages (TOML, as in policy files).
CREATE TABLE jurisdiction_policies (
    jurisdiction_id  TEXT PRIMARY KEY REFERENCES jurisdictions(id),
    toml             TEXT NOT NULL,
    updated_at       INTEGER NOT NULL
);

-- What staff decided about a quarantined submission: registered as a case, or set aside as
-- spam. Either way the row and everything received stay (E6).
ALTER TABLE quarantine ADD COLUMN resolution TEXT;
ALTER TABLE quarantine ADD COLUMN resolved_at INTEGER;
ALTER TABLE quarantine ADD COLUMN resolved_by BLOB;
ALTER TABLE quarantine ADD COLUMN case_id BLOB;
