-- Learning from complaints (issue 9). The projection keeps what reports count: the handler's
-- analysis (justified or not, root causes) and each clock as it stood after the last event.
ALTER TABLE cases ADD COLUMN justified TEXT;
-- Root-cause codes, comma-separated.
ALTER TABLE cases ADD COLUMN causes TEXT NOT NULL DEFAULT '';
-- id:state:start:due:kept;… (see domain::clock::ClockRecord); '' until worked out.
ALTER TABLE cases ADD COLUMN clock_summary TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_unprojected ON cases (id) WHERE clock_summary = '';

-- Per förvaltning: the root causes its cases are analysed by, and its published routine.
CREATE TABLE analysis_settings (
    node_id          TEXT PRIMARY KEY REFERENCES org_nodes(id),
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    causes           TEXT NOT NULL,
    routine          TEXT NOT NULL DEFAULT '',
    updated_at       INTEGER NOT NULL
);

-- Förbättringsåtgärder: their own records, linked to the cases that led to them.
CREATE TABLE improvements (
    id               BLOB PRIMARY KEY,
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    node_id          TEXT NOT NULL REFERENCES org_nodes(id),
    description      TEXT NOT NULL,
    owner_id         BLOB,
    due_date         TEXT NOT NULL,
    status           TEXT NOT NULL,
    follow_up        TEXT NOT NULL DEFAULT '',
    worked           TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    done_at          INTEGER
);
CREATE INDEX improvements_node ON improvements (jurisdiction_id, node_id);

CREATE TABLE improvement_cases (
    improvement_id  BLOB NOT NULL REFERENCES improvements(id),
    case_id         BLOB NOT NULL REFERENCES cases(id),
    PRIMARY KEY (improvement_id, case_id)
);
CREATE INDEX improvement_cases_case ON improvement_cases (case_id);

-- Reports read the few analyses with examples newest first, never all events.
CREATE INDEX case_events_analysed ON case_events (at) WHERE type = 'analysed';
