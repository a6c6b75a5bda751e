-- Each event keeps a salted digest of its content, and the chain covers the digest, so that a
-- gallring run can remove the content while the chain still verifies (decision 62).
ALTER TABLE case_events ADD COLUMN salt BYTEA, ADD COLUMN digest BYTEA, ADD COLUMN gallrad_by UUID;

-- New events carry their digest and salt (rows from before are re-expressed at start).
ALTER TABLE case_events ADD CONSTRAINT case_events_digest
    CHECK (digest IS NOT NULL AND (salt IS NOT NULL OR gallrad_by IS NOT NULL)) NOT VALID;

-- Events stay append-only. Two changes are allowed: once, an event from before digests gets
-- one and its chain is re-expressed; and a gallring run replaces an event's content, naming
-- itself, while its number, time, actor, digest and hashes stay.
DROP TRIGGER case_events_append_only ON case_events;
CREATE FUNCTION lyhord_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND NEW.case_id = OLD.case_id AND NEW.seq = OLD.seq AND NEW.at = OLD.at
        AND NEW.type = OLD.type AND NEW.actor = OLD.actor
        AND (
            (OLD.digest IS NULL AND NEW.payload = OLD.payload AND NEW.digest IS NOT NULL
                AND NEW.salt IS NOT NULL AND NEW.gallrad_by IS NULL)
            OR (OLD.digest IS NOT NULL AND OLD.gallrad_by IS NULL AND NEW.gallrad_by IS NOT NULL
                AND NEW.salt IS NULL AND NEW.digest = OLD.digest
                AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash)
        )
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'case events are append-only; only a gallring run removes their content';
END
$$;
CREATE TRIGGER case_events_guard BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION lyhord_event_guard();

-- Each case's chain head before and after its events were re-expressed over digests.
CREATE TABLE chain_reexpressions (
    case_id   UUID PRIMARY KEY REFERENCES cases(id),
    old_head  BYTEA NOT NULL,
    new_head  BYTEA NOT NULL,
    at        BIGINT NOT NULL
);
