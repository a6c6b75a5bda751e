-- Invånardialog (issue 10; V-D1–V-D7, G7): the plan, the questionnaire, who took part and
-- what they said (kept as said: moderation hides, never edits or deletes), meetings held,
-- themes and how each view was considered, and the population to compare participants with.
CREATE TABLE dialogues (
    id                  BLOB PRIMARY KEY,
    jurisdiction_id     TEXT NOT NULL REFERENCES jurisdictions(id),
    title               TEXT NOT NULL,
    purpose             TEXT NOT NULL,
    question            TEXT NOT NULL,
    open_to_influence   TEXT NOT NULL,
    decision_node       TEXT NOT NULL,
    decision_matter     TEXT NOT NULL,
    decision_date       TEXT,
    decider             TEXT NOT NULL,
    use_of_results      TEXT NOT NULL,
    opens_on            TEXT NOT NULL,
    closes_on           TEXT NOT NULL,
    target_groups       TEXT NOT NULL,
    -- Method codes, comma-separated.
    methods             TEXT NOT NULL,
    ladder              TEXT NOT NULL,
    political_decision  TEXT NOT NULL,
    feedback_plan       TEXT NOT NULL,
    published_at        INTEGER,
    -- The decision as made, and when (V-D4); feedback is sent once.
    outcome             TEXT NOT NULL DEFAULT '',
    decided_on          TEXT,
    feedback_sent_at    INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE INDEX dialogues_jurisdiction ON dialogues (jurisdiction_id, opens_on);

CREATE TABLE dialogue_questions (
    id           BLOB PRIMARY KEY,
    dialogue_id  BLOB NOT NULL REFERENCES dialogues(id),
    position     INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    text         TEXT NOT NULL,
    -- JSON array of the choices (single and multiple choice).
    options      TEXT NOT NULL
);
CREATE INDEX dialogue_questions_dialogue ON dialogue_questions (dialogue_id, position);

-- One person taking part on the web, with what they chose to say about themselves.
CREATE TABLE dialogue_participants (
    id           BLOB PRIMARY KEY,
    dialogue_id  BLOB NOT NULL REFERENCES dialogues(id),
    created_at   INTEGER NOT NULL,
    email        TEXT,
    gender       TEXT,
    age_band     TEXT,
    district     TEXT,
    born         TEXT
);
CREATE INDEX dialogue_participants_dialogue ON dialogue_participants (dialogue_id);

CREATE TABLE dialogue_answers (
    participant_id  BLOB NOT NULL REFERENCES dialogue_participants(id),
    question_id     BLOB NOT NULL REFERENCES dialogue_questions(id),
    -- A choice, choices joined by a line break, a scale step, or free text.
    value           TEXT NOT NULL,
    PRIMARY KEY (participant_id, question_id)
);
CREATE INDEX dialogue_answers_question ON dialogue_answers (question_id);

-- Meetings, walks and focus groups, recorded by staff.
CREATE TABLE dialogue_meetings (
    id            BLOB PRIMARY KEY,
    dialogue_id   BLOB NOT NULL REFERENCES dialogues(id),
    held_on       TEXT NOT NULL,
    place         TEXT NOT NULL,
    method        TEXT NOT NULL,
    participants  INTEGER NOT NULL,
    notes         TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE dialogue_themes (
    id             BLOB PRIMARY KEY,
    dialogue_id    BLOB NOT NULL REFERENCES dialogues(id),
    name           TEXT NOT NULL,
    consideration  TEXT,
    reason         TEXT NOT NULL DEFAULT ''
);

-- Every contribution, registered with a number per dialogue (G7), from the web or a meeting.
CREATE TABLE dialogue_contributions (
    id              BLOB PRIMARY KEY,
    dialogue_id     BLOB NOT NULL REFERENCES dialogues(id),
    number          INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    body            TEXT NOT NULL,
    participant_id  BLOB REFERENCES dialogue_participants(id),
    meeting_id      BLOB REFERENCES dialogue_meetings(id),
    created_at      INTEGER NOT NULL,
    hidden          INTEGER NOT NULL DEFAULT 0,
    theme_id        BLOB REFERENCES dialogue_themes(id),
    consideration   TEXT,
    reason          TEXT NOT NULL DEFAULT '',
    UNIQUE (dialogue_id, number)
);

-- Each hiding or showing again, by whom and why (C4): the contribution itself never changes.
CREATE TABLE dialogue_moderation (
    contribution_id  BLOB NOT NULL REFERENCES dialogue_contributions(id),
    at               INTEGER NOT NULL,
    staff_id         BLOB NOT NULL,
    hidden           INTEGER NOT NULL,
    reason           TEXT NOT NULL
);
CREATE INDEX dialogue_moderation_contribution ON dialogue_moderation (contribution_id, at);

-- The municipality's population by district, gender and age band (from SCB's tables).
CREATE TABLE population (
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    district         TEXT NOT NULL,
    gender           TEXT NOT NULL,
    age_band         TEXT NOT NULL,
    count            INTEGER NOT NULL,
    PRIMARY KEY (jurisdiction_id, district, gender, age_band)
);
