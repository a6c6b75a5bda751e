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
