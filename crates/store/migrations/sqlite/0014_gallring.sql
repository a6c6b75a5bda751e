-- Gallringsbeslut, their rules, and the runs that carry them out (decision 62).
CREATE TABLE gallring_decisions (
    id               BLOB PRIMARY KEY,
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    reference        TEXT NOT NULL,
    body             TEXT NOT NULL,
    decided_on       TEXT NOT NULL,
    recorded_at      INTEGER NOT NULL,
    recorded_by      BLOB,
    UNIQUE (jurisdiction_id, reference)
);

-- What a decision covers, when it falls due, and what happens. Empty filters match all.
CREATE TABLE gallring_rules (
    id           BLOB PRIMARY KEY,
    decision_id  BLOB NOT NULL REFERENCES gallring_decisions(id),
    position     INTEGER NOT NULL,
    covers       TEXT NOT NULL,
    kind         TEXT,
    category     TEXT,
    node_id      TEXT,
    channel      TEXT,
    after_months INTEGER NOT NULL,
    action       TEXT NOT NULL
);
CREATE INDEX gallring_rules_decision ON gallring_rules (decision_id, position);

CREATE TABLE gallring_runs (
    id               BLOB PRIMARY KEY,
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    planned_at       INTEGER NOT NULL,
    planned_by       TEXT NOT NULL,
    approved_at      INTEGER,
    approved_by      TEXT,
    finished_at      INTEGER
);

-- What a run removes, fixed when it is planned; each is done in one transaction.
CREATE TABLE gallring_items (
    run_id      BLOB NOT NULL REFERENCES gallring_runs(id),
    covers      TEXT NOT NULL,
    target      BLOB NOT NULL,
    rule_id     BLOB NOT NULL REFERENCES gallring_rules(id),
    label       TEXT NOT NULL,
    done_at     INTEGER,
    -- Files of a gallrad case still to be removed from disk (hex digests, space-separated).
    files       TEXT NOT NULL DEFAULT '',
    -- How many records the item stands for (rows of the access log; otherwise one).
    amount      INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (run_id, covers, target)
);
CREATE INDEX gallring_items_open ON gallring_items (run_id, done_at);
