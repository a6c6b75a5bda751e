-- Reports over a year read per-unit, per-day tallies instead of every case (issue 9: a year
-- of a million cases in under two seconds). A day is a UTC day, received_at / 86400000000;
-- a report's period starts at Swedish midnight, so its first and last hours are counted from
-- the cases themselves. The tallies are kept by the store (Store::refresh_report_days) from
-- the marks these triggers leave whenever a case's reported properties change.
CREATE TABLE report_days (
    jurisdiction_id  TEXT NOT NULL,
    day              BIGINT NOT NULL,
    node_id          TEXT NOT NULL,
    -- JSON: the day's groups and clock tallies (store::report_ops::DayTally).
    tally            TEXT NOT NULL,
    PRIMARY KEY (jurisdiction_id, day, node_id)
);

-- (unit, day) whose tally is out of date; one row per change (no conflicts, so concurrent
-- intake never waits here), removed when recomputed.
CREATE TABLE report_dirty (
    jurisdiction_id  TEXT NOT NULL,
    day              BIGINT NOT NULL,
    node_id          TEXT NOT NULL
);
CREATE INDEX report_dirty_day ON report_dirty (jurisdiction_id, day);

-- New cases: one statement-level trigger per INSERT, marking each (unit, day) once; intake
-- inserts its cases many rows to a statement.
CREATE FUNCTION cases_report_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_dirty (jurisdiction_id, day, node_id)
    SELECT DISTINCT jurisdiction_id, received_at / 86400000000, node_id FROM inserted;
    RETURN NULL;
END
$$;

CREATE TRIGGER cases_report_inserted AFTER INSERT ON cases
REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION cases_report_inserted();

-- Changed and removed cases, row by row: a change of unit marks both units.
CREATE FUNCTION cases_report_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.node_id, OLD.kind, OLD.category, OLD.channel, OLD.submitter_role,
                             OLD.justified, OLD.causes, OLD.clock_summary)
           IS NOT DISTINCT FROM (NEW.node_id, NEW.kind, NEW.category, NEW.channel, NEW.submitter_role,
                                 NEW.justified, NEW.causes, NEW.clock_summary) THEN
        RETURN NULL;
    END IF;
    INSERT INTO report_dirty (jurisdiction_id, day, node_id)
    VALUES (OLD.jurisdiction_id, OLD.received_at / 86400000000, OLD.node_id);
    IF TG_OP = 'UPDATE' AND NEW.node_id IS DISTINCT FROM OLD.node_id THEN
        INSERT INTO report_dirty (jurisdiction_id, day, node_id)
        VALUES (NEW.jurisdiction_id, NEW.received_at / 86400000000, NEW.node_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER cases_report_changed AFTER UPDATE OR DELETE ON cases
FOR EACH ROW EXECUTE FUNCTION cases_report_changed();

-- The cases already here are tallied on the first report.
INSERT INTO report_dirty (jurisdiction_id, day, node_id)
SELECT DISTINCT jurisdiction_id, received_at / 86400000000, node_id FROM cases;
