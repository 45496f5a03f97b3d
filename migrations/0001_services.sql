-- The service catalog (SPEC §1). Rates are editable by operators; the duration rule
-- of each code is fixed in code (booking::pricing).
CREATE TABLE services (
    code              TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    description       TEXT NOT NULL,
    hourly_rate_cents INTEGER NOT NULL CHECK (hourly_rate_cents >= 0),
    duration_rule     TEXT NOT NULL,
    sort_order        INTEGER NOT NULL,
    active            INTEGER NOT NULL DEFAULT 1,
    updated_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

INSERT INTO services (code, name, description, hourly_rate_cents, duration_rule, sort_order) VALUES
  ('standard',    'Standard cleaning',            'Dusting, vacuuming, mopping, kitchen and bathroom surfaces.', 6000, 'size tier hours', 1),
  ('deep',        'Deep cleaning',                'Top-to-bottom clean including baseboards, inside cabinets fronts, grout and built-up grime.', 8000, '1.5 x size tier hours', 2),
  ('move_in_out', 'Move-in / move-out cleaning',  'Empty-home clean for moving day: inside cupboards, appliances, walls spot-cleaned.', 9000, '2 x size tier hours', 3),
  ('office',      'Office / commercial cleaning', 'Workspaces, kitchens, restrooms and common areas.', 7000, 'size tier hours', 4),
  ('carpet',      'Carpet cleaning',              'Hot-water extraction of carpets and rugs.', 8500, '0.5 x size tier hours, min 1 h', 5),
  ('windows',     'Window washing',               'Interior and exterior glass, frames and sills.', 6500, '0.5 x size tier hours, min 1 h', 6),
  ('estimate',    'Free on-site estimate',        'A 45-minute visit to see the place and give a firm price.', 0, '45 min, any size', 7);
