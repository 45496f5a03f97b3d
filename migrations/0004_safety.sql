-- Every message the safety layer blocked or flagged (SPEC §4). The excerpt is redacted
-- and truncated; no raw personal data is ever stored here.
CREATE TABLE safety_incidents (
    id              INTEGER PRIMARY KEY,
    created_at      TEXT NOT NULL,
    conversation_id TEXT,
    direction       TEXT NOT NULL CHECK (direction IN ('input', 'output')),
    category        TEXT NOT NULL,
    rule            TEXT NOT NULL,
    score           REAL NOT NULL,
    action          TEXT NOT NULL,
    excerpt         TEXT NOT NULL
);
CREATE INDEX safety_incidents_created ON safety_incidents (created_at);
CREATE INDEX safety_incidents_category ON safety_incidents (category, created_at);
