-- A counter that every change to `appointments` moves, by trigger, so no write path (a
-- booking, a move, a cancellation, a status change, an operator's SQL) can forget it. The
-- read-only calendar views (availability, slot checks, suggestions) cache each day's jobs
-- under it; bookings themselves always read the calendar inside their transaction.
CREATE TABLE calendar_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO calendar_version (id, version) VALUES (1, 0);

CREATE TRIGGER appointments_bump_version_on_insert AFTER INSERT ON appointments
BEGIN
    UPDATE calendar_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER appointments_bump_version_on_update AFTER UPDATE ON appointments
BEGIN
    UPDATE calendar_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER appointments_bump_version_on_delete AFTER DELETE ON appointments
BEGIN
    UPDATE calendar_version SET version = version + 1 WHERE id = 1;
END;
