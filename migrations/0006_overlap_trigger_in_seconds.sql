-- The overlap triggers of 0002 compared julianday() floats, whose rounding refused a
-- job starting exactly when the previous job's travel buffer ends. Compare whole
-- seconds instead.
DROP TRIGGER appointments_no_overlap_insert;
DROP TRIGGER appointments_no_overlap_update;

CREATE TRIGGER appointments_no_overlap_insert
BEFORE INSERT ON appointments
WHEN NEW.status IN ('scheduled', 'confirmed')
BEGIN
    SELECT RAISE(ABORT, 'slot_unavailable: crew overlap')
    WHERE EXISTS (
        SELECT 1 FROM appointments a
        WHERE a.crew = NEW.crew
          AND a.status IN ('scheduled', 'confirmed')
          AND unixepoch(NEW.start_at) < unixepoch(a.end_at) + 1800
          AND unixepoch(a.start_at) < unixepoch(NEW.end_at) + 1800
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
          AND unixepoch(NEW.start_at) < unixepoch(a.end_at) + 1800
          AND unixepoch(a.start_at) < unixepoch(NEW.end_at) + 1800
    );
END;
