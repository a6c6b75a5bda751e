-- Citizens' access to their case, quarantine for suspected spam, and the outbox (issue 4).

-- A case is followed through an unguessable link; only the link's hash is stored (D1).
CREATE TABLE tracking_tokens (
    token_hash  BLOB PRIMARY KEY,
    case_id     BLOB NOT NULL REFERENCES cases(id),
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX tracking_tokens_case ON tracking_tokens (case_id);

-- Suspected spam is kept for staff to look at, never dropped (E6).
CREATE TABLE quarantine (
    id               BLOB PRIMARY KEY,
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    received_at      INTEGER NOT NULL,
    reason           TEXT NOT NULL,
    payload          TEXT NOT NULL
);
CREATE INDEX quarantine_received ON quarantine (jurisdiction_id, received_at);

-- Messages waiting to be sent (sending is issue 7). One message per case and purpose.
CREATE TABLE outbox (
    id          BLOB PRIMARY KEY,
    case_id     BLOB NOT NULL REFERENCES cases(id),
    purpose     TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER,
    UNIQUE (case_id, purpose)
);

-- Server secrets created on first start (e.g. the key that derives tracking links).
CREATE TABLE secrets (
    name   TEXT PRIMARY KEY,
    value  BLOB NOT NULL
);
