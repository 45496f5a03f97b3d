-- Agent variants as data, the canary's state and every transition, and shadow
-- comparisons (SPEC §4 Canary, Shadow).
CREATE TABLE variants (
    name        TEXT PRIMARY KEY,
    tier        TEXT NOT NULL CHECK (tier IN ('local', 'fast', 'balanced')),
    temperature REAL NOT NULL,
    tone        TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1
);
INSERT INTO variants (name, tier, temperature, tone) VALUES
    ('baseline', 'fast', 0.3, 'friendly and concise'),
    ('professional', 'balanced', 0.2, 'formal, courteous and precise'),
    ('casual', 'fast', 0.7, 'relaxed, warm and brief');

-- One row: the current (or last) rollout as JSON, so a restart resumes it; the stable
-- variant survives promotions.
CREATE TABLE canary_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    stable  TEXT NOT NULL,
    rollout TEXT
);
INSERT INTO canary_state (id, stable, rollout) VALUES (1, 'baseline', NULL);

CREATE TABLE canary_events (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL,
    candidate TEXT NOT NULL,
    stable    TEXT NOT NULL,
    stage     INTEGER NOT NULL,
    percent   INTEGER NOT NULL,
    detail    TEXT NOT NULL
);

CREATE TABLE shadow_comparisons (
    id                 INTEGER PRIMARY KEY,
    created_at         TEXT NOT NULL,
    conversation_id    TEXT NOT NULL,
    primary_variant    TEXT NOT NULL,
    shadow_variant     TEXT NOT NULL,
    primary_action     TEXT NOT NULL,
    shadow_action      TEXT NOT NULL,
    actions_agree      INTEGER NOT NULL,
    fields_agree       INTEGER NOT NULL,
    primary_latency_ms REAL NOT NULL,
    shadow_latency_ms  REAL NOT NULL,
    shadow_cost_micros INTEGER NOT NULL DEFAULT 0,
    differences        TEXT NOT NULL
);
CREATE INDEX shadow_comparisons_created ON shadow_comparisons (created_at);
