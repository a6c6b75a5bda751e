-- The data subject's rights (GDPR art. 16-18): a case whose data are restricted, and an
-- erasure on request, carried out as a gallring run of one that names why.
ALTER TABLE cases ADD COLUMN restricted BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE gallring_runs ADD COLUMN reason TEXT;

-- A category whose cases hold sensitive personal data (GDPR art. 9, e.g. health): the
-- breach report names it.
ALTER TABLE categories ADD COLUMN sensitive BOOLEAN NOT NULL DEFAULT FALSE;

-- The breach report (GDPR art. 33-34) reads what was stored, shown and sent in a window;
-- the partial ones are written only by the rows they cover.
CREATE INDEX case_events_personal ON case_events (at) WHERE type IN ('citizen_message', 'contact_corrected');
CREATE INDEX access_log_at ON access_log (at);
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;

-- Rules may cover a part of a case (its files, its report example) and how it ended.
ALTER TABLE gallring_rules ADD COLUMN outcome TEXT;

-- A case whose files went under one rule may have its text removed under another, in the
-- same run or a later one: the content may change again, each time naming the run.
CREATE OR REPLACE FUNCTION lyhord_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND NEW.case_id = OLD.case_id AND NEW.seq = OLD.seq AND NEW.at = OLD.at
        AND NEW.type = OLD.type AND NEW.actor = OLD.actor
        AND (
            (OLD.digest IS NULL AND NEW.payload = OLD.payload AND NEW.digest IS NOT NULL
                AND NEW.salt IS NOT NULL AND NEW.gallrad_by IS NULL)
            OR (OLD.digest IS NOT NULL AND NEW.gallrad_by IS NOT NULL
                AND NEW.salt IS NULL AND NEW.digest = OLD.digest
                AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash)
        )
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'case events are append-only; only a gallring run removes their content';
END
$$;
