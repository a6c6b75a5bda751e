-- Each event keeps a salted digest of its content, and the chain covers the digest, so that a
-- gallring run can remove the content while the chain still verifies (decision 62).
ALTER TABLE case_events ADD COLUMN salt BLOB;
ALTER TABLE case_events ADD COLUMN digest BLOB;
ALTER TABLE case_events ADD COLUMN gallrad_by BLOB;

-- New events carry their digest and salt.
CREATE TRIGGER case_events_digest BEFORE INSERT ON case_events
WHEN NEW.digest IS NULL OR NEW.salt IS NULL OR NEW.gallrad_by IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a new event needs its content digest and salt'); END;

-- Events stay append-only. Two changes are allowed: once, an event from before digests gets
-- one and its chain is re-expressed; and a gallring run replaces an event's content, naming
-- itself, while its number, time, actor, digest and hashes stay.
DROP TRIGGER case_events_no_update;
CREATE TRIGGER case_events_guard BEFORE UPDATE ON case_events
WHEN NOT (
    NEW.case_id IS OLD.case_id AND NEW.seq IS OLD.seq AND NEW.at IS OLD.at
    AND NEW.type IS OLD.type AND NEW.actor IS OLD.actor
    AND (
        (OLD.digest IS NULL AND NEW.payload IS OLD.payload AND NEW.digest IS NOT NULL
            AND NEW.salt IS NOT NULL AND NEW.gallrad_by IS NULL)
        OR (OLD.digest IS NOT NULL AND OLD.gallrad_by IS NULL AND NEW.gallrad_by IS NOT NULL
            AND NEW.salt IS NULL AND NEW.digest IS OLD.digest
            AND NEW.prev_hash IS OLD.prev_hash AND NEW.hash IS OLD.hash)
    )
)
BEGIN SELECT RAISE(ABORT, 'case events are append-only; only a gallring run removes their content'); END;

-- Each case's chain head before and after its events were re-expressed over digests.
CREATE TABLE chain_reexpressions (
    case_id   BLOB PRIMARY KEY REFERENCES cases(id),
    old_head  BLOB NOT NULL,
    new_head  BLOB NOT NULL,
    at        INTEGER NOT NULL
);
