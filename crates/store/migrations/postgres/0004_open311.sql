-- Open311 updates (issue 6): events of public cases by the time they were recorded.
CREATE INDEX case_events_at ON case_events (at);
