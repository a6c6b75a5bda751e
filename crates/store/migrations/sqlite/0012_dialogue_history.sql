-- A dialogue's basis for decision cannot change unseen (V-D4, V-D6).
-- The political decision that allows co-decision, as its parts: body, meeting day, paragraph.
-- A reference written before as free text becomes the body; its date and paragraph are unknown.
ALTER TABLE dialogues ADD COLUMN political_body TEXT NOT NULL DEFAULT '';
ALTER TABLE dialogues ADD COLUMN political_date TEXT;
ALTER TABLE dialogues ADD COLUMN political_paragraph INTEGER;
UPDATE dialogues SET political_body = political_decision WHERE political_decision <> '';
-- Why the decision was recorded before the dialogue closed or with views not yet considered.
ALTER TABLE dialogues ADD COLUMN decision_reason TEXT NOT NULL DEFAULT '';

-- Every change to a dialogue's plan, outcome, themes and considerations: who, when, which
-- fields from what to what (JSON), and the reason given. Never changed or deleted.
CREATE TABLE dialogue_changes (
    id           BLOB PRIMARY KEY,
    dialogue_id  BLOB NOT NULL REFERENCES dialogues(id),
    at           INTEGER NOT NULL,
    user_id      BLOB NOT NULL,
    what         TEXT NOT NULL,
    changes      TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX dialogue_changes_dialogue ON dialogue_changes (dialogue_id, at);
