-- The data subject's rights (GDPR art. 16-18): a case whose data are restricted, and an
-- erasure on request, carried out as a gallring run of one that names why.
ALTER TABLE cases ADD COLUMN restricted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE gallring_runs ADD COLUMN reason TEXT;

-- A category whose cases hold sensitive personal data (GDPR art. 9, e.g. health): the
-- breach report names it.
ALTER TABLE categories ADD COLUMN sensitive INTEGER NOT NULL DEFAULT 0;

-- The breach report (GDPR art. 33-34) reads what was stored, shown and sent in a window;
-- the partial ones are written only by the rows they cover.
CREATE INDEX case_events_personal ON case_events (at) WHERE type IN ('citizen_message', 'contact_corrected');
CREATE INDEX access_log_at ON access_log (at);
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;

-- Rules may cover a part of a case (its files, its report example) and how it ended.
ALTER TABLE gallring_rules ADD COLUMN outcome TEXT;

-- A case whose files went under one rule may have its text removed under another, in the
-- same run or a later one: the content may change again, each time naming the run.
DROP TRIGGER case_events_guard;
CREATE TRIGGER case_events_guard BEFORE UPDATE ON case_events
WHEN NOT (
    NEW.case_id IS OLD.case_id AND NEW.seq IS OLD.seq AND NEW.at IS OLD.at
    AND NEW.type IS OLD.type AND NEW.actor IS OLD.actor
    AND (
        (OLD.digest IS NULL AND NEW.payload IS OLD.payload AND NEW.digest IS NOT NULL
            AND NEW.salt IS NOT NULL AND NEW.gallrad_by IS NULL)
        OR (OLD.digest IS NOT NULL AND NEW.gallrad_by IS NOT NULL
            AND NEW.salt IS NULL AND NEW.digest IS OLD.digest
            AND NEW.prev_hash IS OLD.prev_hash AND NEW.hash IS OLD.hash)
    )
)
BEGIN SELECT RAISE(ABORT, 'case events are append-only; only a gallring run removes their content'); END;
