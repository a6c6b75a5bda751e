-- Open311 (issue 6). Updates: events of public cases by the time they were recorded.
CREATE INDEX case_events_at ON case_events (at);

-- A category's extra questions (Open311 attributes, web form), as JSON.
ALTER TABLE categories ADD COLUMN questions TEXT NOT NULL DEFAULT '[]';
