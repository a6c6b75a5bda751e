-- Reports over a year read per-unit, per-day tallies instead of every case (issue 9: a year
-- of a million cases in under two seconds). A day is a UTC day, received_at / 86400000000;
-- a report's period starts at Swedish midnight, so its first and last hours are counted from
-- the cases themselves. The tallies are kept by the store (Store::refresh_report_days) from
-- the marks these triggers leave whenever a case's reported properties change.
CREATE TABLE report_days (
    jurisdiction_id  TEXT NOT NULL,
    day              INTEGER NOT NULL,
    node_id          TEXT NOT NULL,
    -- JSON: the day's groups and clock tallies (store::report_ops::DayTally).
    tally            TEXT NOT NULL,
    PRIMARY KEY (jurisdiction_id, day, node_id)
) WITHOUT ROWID;

-- (unit, day) whose tally is out of date, once, removed when recomputed. SQLite has one writer
-- at a time, so a mark and the refresh that takes it never overlap: a key already marked
-- needs no second row (INSERT OR IGNORE finds it and writes nothing).
CREATE TABLE report_dirty (
    jurisdiction_id  TEXT NOT NULL,
    day              INTEGER NOT NULL,
    node_id          TEXT NOT NULL,
    PRIMARY KEY (jurisdiction_id, day, node_id)
) WITHOUT ROWID;

CREATE TRIGGER cases_report_insert AFTER INSERT ON cases BEGIN
    INSERT OR IGNORE INTO report_dirty (jurisdiction_id, day, node_id)
    VALUES (NEW.jurisdiction_id, NEW.received_at / 86400000000, NEW.node_id);
END;

CREATE TRIGGER cases_report_update
AFTER UPDATE OF node_id, kind, category, channel, submitter_role, justified, causes, clock_summary ON cases
WHEN OLD.node_id IS NOT NEW.node_id OR OLD.kind IS NOT NEW.kind OR OLD.category IS NOT NEW.category
  OR OLD.channel IS NOT NEW.channel OR OLD.submitter_role IS NOT NEW.submitter_role
  OR OLD.justified IS NOT NEW.justified OR OLD.causes IS NOT NEW.causes
  OR OLD.clock_summary IS NOT NEW.clock_summary
BEGIN
    INSERT OR IGNORE INTO report_dirty (jurisdiction_id, day, node_id)
    VALUES (NEW.jurisdiction_id, NEW.received_at / 86400000000, NEW.node_id);
    INSERT OR IGNORE INTO report_dirty (jurisdiction_id, day, node_id)
    SELECT OLD.jurisdiction_id, OLD.received_at / 86400000000, OLD.node_id WHERE OLD.node_id IS NOT NEW.node_id;
END;

CREATE TRIGGER cases_report_delete AFTER DELETE ON cases BEGIN
    INSERT OR IGNORE INTO report_dirty (jurisdiction_id, day, node_id)
    VALUES (OLD.jurisdiction_id, OLD.received_at / 86400000000, OLD.node_id);
END;

-- The cases already here are tallied on the first report.
INSERT OR IGNORE INTO report_dirty (jurisdiction_id, day, node_id)
SELECT DISTINCT jurisdiction_id, received_at / 86400000000, node_id FROM cases;
