-- Keeping promises before they break (issue 8). The projection learns three things:
-- whether a case is a formal ärende (A8), when it next owes someone an alert (reminder,
-- breach, escalation, FL 11/12 §), and the most serious alert still standing, for inboxes.
ALTER TABLE cases ADD COLUMN formal BOOLEAN NOT NULL DEFAULT FALSE;
-- 0 for the cases already there: the first sweep works out each open case's alerts.
ALTER TABLE cases ADD COLUMN alert_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN alert TEXT;
CREATE INDEX cases_alert_due ON cases (alert_at) WHERE status <> 'closed';
