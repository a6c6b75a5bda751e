-- The data subject's rights (GDPR art. 16-18): a case whose data are restricted, and an
-- erasure on request, carried out as a gallring run of one that names why.
ALTER TABLE cases ADD COLUMN restricted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE gallring_runs ADD COLUMN reason TEXT;
