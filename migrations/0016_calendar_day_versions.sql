-- One counter per UTC date instead of one for the whole calendar (0015): every booking
-- moved the single counter, so while bookings came in, every day's cached jobs were read
-- again on every availability check and suggestion. Triggers still move the counters, so
-- no write path can forget them; a change bumps each UTC date its job touches (start and
-- end, before and after an update: a job lasts at most a day). A view sums the counters
-- of the dates its window covers; the sum only grows, so any change in the window shows.
DROP TRIGGER appointments_bump_version_on_insert;
DROP TRIGGER appointments_bump_version_on_update;
DROP TRIGGER appointments_bump_version_on_delete;
DROP TABLE calendar_version;

CREATE TABLE calendar_day_versions (
    day     TEXT PRIMARY KEY, -- UTC date, YYYY-MM-DD (the first ten characters of a time)
    version INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER appointments_bump_days_on_insert AFTER INSERT ON appointments
BEGIN
    INSERT INTO calendar_day_versions (day, version)
    VALUES (substr(NEW.start_at, 1, 10), 1), (substr(NEW.end_at, 1, 10), 1)
    ON CONFLICT (day) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER appointments_bump_days_on_update AFTER UPDATE ON appointments
BEGIN
    INSERT INTO calendar_day_versions (day, version)
    VALUES (substr(OLD.start_at, 1, 10), 1), (substr(OLD.end_at, 1, 10), 1),
           (substr(NEW.start_at, 1, 10), 1), (substr(NEW.end_at, 1, 10), 1)
    ON CONFLICT (day) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER appointments_bump_days_on_delete AFTER DELETE ON appointments
BEGIN
    INSERT INTO calendar_day_versions (day, version)
    VALUES (substr(OLD.start_at, 1, 10), 1), (substr(OLD.end_at, 1, 10), 1)
    ON CONFLICT (day) DO UPDATE SET version = version + 1;
END;
