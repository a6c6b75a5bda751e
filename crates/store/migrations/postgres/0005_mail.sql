-- E-mail both ways (issue 7).

-- Sending: each message is claimed with a lease, tried with backoff, and either sent or
-- given up after the last attempt with the reason, which staff see on the case.
ALTER TABLE outbox ADD COLUMN language TEXT NOT NULL DEFAULT 'sv';
ALTER TABLE outbox ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN claimed_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
ALTER TABLE outbox ADD COLUMN failed_at BIGINT;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- The frame of each kind of message, per language, as administrators wrote it; without a
-- row the built-in text is used.
CREATE TABLE mail_templates (
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    purpose          TEXT NOT NULL,
    lang             TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction_id, purpose, lang)
);

-- Every message received, with its raw bytes in the file store: what it became (a case, a
-- message on a case) or why it is held for staff. Nothing received is dropped.
CREATE TABLE inbound_mail (
    id               UUID PRIMARY KEY,
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    received_at      BIGINT NOT NULL,
    message_id       TEXT NOT NULL,
    sender           TEXT NOT NULL,
    subject          TEXT NOT NULL,
    raw_sha256       TEXT NOT NULL,
    size             BIGINT NOT NULL,
    outcome          TEXT NOT NULL,
    reason           TEXT,
    case_id          UUID REFERENCES cases(id),
    resolution       TEXT,
    resolved_by      UUID,
    resolved_at      BIGINT
);
CREATE INDEX inbound_mail_sender ON inbound_mail (jurisdiction_id, sender, received_at);
CREATE INDEX inbound_mail_message ON inbound_mail (jurisdiction_id, message_id);
CREATE INDEX inbound_mail_case ON inbound_mail (case_id);
