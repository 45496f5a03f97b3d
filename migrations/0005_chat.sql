-- Conversations and their messages (SPEC §3). The session id is a bearer secret, so
-- only its SHA-256 is stored. Message content is stored redacted. Costs are integer
-- micro-dollars so sums are exact.
CREATE TABLE conversations (
    id                TEXT PRIMARY KEY,
    session_hash      TEXT NOT NULL UNIQUE,
    variant           TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
    started_at        TEXT NOT NULL,
    last_activity_at  TEXT NOT NULL,
    ended_at          TEXT,
    turns             INTEGER NOT NULL DEFAULT 0,
    input_tokens      INTEGER NOT NULL DEFAULT 0,
    output_tokens     INTEGER NOT NULL DEFAULT 0,
    cost_micros       INTEGER NOT NULL DEFAULT 0,
    blocked_turns     INTEGER NOT NULL DEFAULT 0,
    fallback_turns    INTEGER NOT NULL DEFAULT 0,
    error_turns       INTEGER NOT NULL DEFAULT 0,
    booking_reference TEXT,
    outcome           TEXT,
    satisfaction      INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
    job               TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX conversations_started ON conversations (started_at);
CREATE INDEX conversations_variant ON conversations (variant, started_at);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content         TEXT NOT NULL,
    action          TEXT,
    tier            TEXT,
    model           TEXT,
    route_reason    TEXT,
    complexity      REAL,
    input_tokens    INTEGER NOT NULL DEFAULT 0,
    output_tokens   INTEGER NOT NULL DEFAULT 0,
    cost_micros     INTEGER NOT NULL DEFAULT 0,
    latency_ms      REAL,
    cached          INTEGER NOT NULL DEFAULT 0,
    safety_action   TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, id);
CREATE INDEX messages_created ON messages (created_at);

-- One row per simulated dialogue of `cleanspace eval`.
CREATE TABLE evaluations (
    id          INTEGER PRIMARY KEY,
    run_id      TEXT NOT NULL,
    variant     TEXT NOT NULL,
    dialogue_id TEXT NOT NULL,
    success     INTEGER NOT NULL,
    turns       INTEGER NOT NULL,
    cost_micros INTEGER NOT NULL DEFAULT 0,
    failure     TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX evaluations_run ON evaluations (run_id);
