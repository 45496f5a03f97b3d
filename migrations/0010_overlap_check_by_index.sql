-- The overlap triggers of 0006 scanned every active job of the crew, computing
-- unixepoch() on each row: bookings slowed as the calendar filled. Jobs never run longer
-- than a day (opening hours sit inside one local day), which the triggers now enforce,
-- so only the crew's jobs starting in the day and a half before the new job's end can
-- overlap it: a range on the partial index below. Stored times are all
-- `YYYY-MM-DDTHH:MM:SSZ`, so text order is time order.
-- The bound holds only if no stored active job is longer: refuse to migrate otherwise
-- (the error names the column below).
CREATE TEMP TABLE migration_0010_check (
    active_jobs_longer_than_a_day INTEGER CHECK (active_jobs_longer_than_a_day = 0)
);
INSERT INTO migration_0010_check
    SELECT COUNT(*) FROM appointments
    WHERE status IN ('scheduled', 'confirmed')
      AND unixepoch(end_at) - unixepoch(start_at) > 86400;
DROP TABLE migration_0010_check;

CREATE INDEX appointments_active_crew_start ON appointments (crew, start_at)
    WHERE status IN ('scheduled', 'confirmed');

DROP TRIGGER appointments_no_overlap_insert;
DROP TRIGGER appointments_no_overlap_update;

CREATE TRIGGER appointments_no_overlap_insert
BEFORE INSERT ON appointments
WHEN NEW.status IN ('scheduled', 'confirmed')
BEGIN
    SELECT RAISE(ABORT, 'job_too_long: a job must end within a day of its start')
    WHERE unixepoch(NEW.end_at) - unixepoch(NEW.start_at) > 86400;
    SELECT RAISE(ABORT, 'slot_unavailable: crew overlap')
    WHERE EXISTS (
        SELECT 1 FROM appointments a
        WHERE a.crew = NEW.crew
          AND a.status IN ('scheduled', 'confirmed')
          AND a.start_at > strftime('%Y-%m-%dT%H:%M:%SZ', NEW.start_at, '-88200 seconds')
          AND a.start_at < strftime('%Y-%m-%dT%H:%M:%SZ', NEW.end_at, '+1800 seconds')
          AND unixepoch(NEW.start_at) < unixepoch(a.end_at) + 1800
          AND unixepoch(a.start_at) < unixepoch(NEW.end_at) + 1800
    );
END;

CREATE TRIGGER appointments_no_overlap_update
BEFORE UPDATE OF start_at, end_at, crew, status ON appointments
WHEN NEW.status IN ('scheduled', 'confirmed')
BEGIN
    SELECT RAISE(ABORT, 'job_too_long: a job must end within a day of its start')
    WHERE unixepoch(NEW.end_at) - unixepoch(NEW.start_at) > 86400;
    SELECT RAISE(ABORT, 'slot_unavailable: crew overlap')
    WHERE EXISTS (
        SELECT 1 FROM appointments a
        WHERE a.id <> NEW.id
          AND a.crew = NEW.crew
          AND a.status IN ('scheduled', 'confirmed')
          AND a.start_at > strftime('%Y-%m-%dT%H:%M:%SZ', NEW.start_at, '-88200 seconds')
          AND a.start_at < strftime('%Y-%m-%dT%H:%M:%SZ', NEW.end_at, '+1800 seconds')
          AND unixepoch(NEW.start_at) < unixepoch(a.end_at) + 1800
          AND unixepoch(a.start_at) < unixepoch(NEW.end_at) + 1800
    );
END;
