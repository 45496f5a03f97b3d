-- Contact-form inquiries (SPEC §2 POST /api/inquiries).
CREATE TABLE inquiries (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    phone      TEXT,
    email      TEXT,
    message    TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'handled')),
    created_at TEXT NOT NULL
);
CREATE INDEX inquiries_created ON inquiries (created_at);
