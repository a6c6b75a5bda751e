-- The register (OSL 5 kap. 1 §): each case's ärendemening, a short neutral subject staff may
-- set; empty means the default made from its kind and category.
ALTER TABLE cases ADD COLUMN subject TEXT NOT NULL DEFAULT '';

-- An Open311 key may be limited to updating the requests it sent itself.
ALTER TABLE api_keys ADD COLUMN own_requests_only BOOLEAN NOT NULL DEFAULT FALSE;

-- Each start looks for events not yet re-expressed over digests (decision 62); after the one
-- re-expression there are none, and this index, empty, answers at once instead of a scan.
CREATE INDEX case_events_undigested ON case_events (case_id) WHERE digest IS NULL;
