-- Appointments (SPEC §1). Times are stored twice on purpose: UTC instants for overlap
-- checks, and the local date/time the customer chose, for display and filtering.
CREATE TABLE appointments (
    id               INTEGER PRIMARY KEY,
    reference        TEXT NOT NULL UNIQUE,
    customer_name    TEXT NOT NULL,
    phone            TEXT NOT NULL,            -- E.164
    email            TEXT,
    address          TEXT NOT NULL,
    service_code     TEXT NOT NULL REFERENCES services(code),
    square_feet      INTEGER,
    frequency        TEXT NOT NULL,
    add_ons          TEXT NOT NULL DEFAULT '[]', -- JSON array of add-on codes
    local_date       TEXT NOT NULL,            -- YYYY-MM-DD in BUSINESS_TIMEZONE
    local_time       TEXT NOT NULL,            -- HH:MM in BUSINESS_TIMEZONE
    start_at         TEXT NOT NULL,            -- RFC 3339 UTC, "YYYY-MM-DDTHH:MM:SSZ"
    end_at           TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
    crew             INTEGER NOT NULL CHECK (crew >= 1),
    price_cents      INTEGER NOT NULL CHECK (price_cents >= 0),
    status           TEXT NOT NULL CHECK (status IN ('scheduled', 'confirmed', 'completed', 'cancelled', 'no_show')),
    cancel_reason    TEXT,
    notes            TEXT,
    source           TEXT NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'chat')),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE INDEX appointments_active_start ON appointments (start_at) WHERE status IN ('scheduled', 'confirmed');
CREATE INDEX appointments_local_date ON appointments (local_date);
CREATE INDEX appointments_status ON appointments (status);

-- Last line of defence: whatever the code does, one crew never holds two active jobs
-- closer than the 30-minute travel buffer.
CREATE TRIGGER appointments_no_overlap_insert
BEFORE INSERT ON appointments
WHEN NEW.status IN ('scheduled', 'confirmed')
BEGIN
    SELECT RAISE(ABORT, 'slot_unavailable: crew overlap')
    WHERE EXISTS (
        SELECT 1 FROM appointments a
        WHERE a.crew = NEW.crew
          AND a.status IN ('scheduled', 'confirmed')
          AND julianday(NEW.start_at) < julianday(a.end_at) + 30.0 / 1440.0
          AND julianday(a.start_at) < julianday(NEW.end_at) + 30.0 / 1440.0
    );
END;

CREATE TRIGGER appointments_no_overlap_update
BEFORE UPDATE OF start_at, end_at, crew, status ON appointments
WHEN NEW.status IN ('scheduled', 'confirmed')
BEGIN
    SELECT RAISE(ABORT, 'slot_unavailable: crew overlap')
    WHERE EXISTS (
        SELECT 1 FROM appointments a
        WHERE a.id <> NEW.id
          AND a.crew = NEW.crew
          AND a.status IN ('scheduled', 'confirmed')
          AND julianday(NEW.start_at) < julianday(a.end_at) + 30.0 / 1440.0
          AND julianday(a.start_at) < julianday(NEW.end_at) + 30.0 / 1440.0
    );
END;

-- Idempotency-Key replays: the outcome of the first request with a key (the booking's
-- reference, or a 409), with a hash of that request. No customer data is copied here.
CREATE TABLE idempotency_keys (
    key          TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    status_code  INTEGER NOT NULL,
    reference    TEXT REFERENCES appointments(reference),
    created_at   TEXT NOT NULL
);
