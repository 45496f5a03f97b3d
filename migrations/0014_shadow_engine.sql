-- What answered each shadow turn: `model`, `built-in`, or `built-in (fallback: <reason>)`
-- when the shadow's model call failed. Every earlier shadow turn ran the built-in engine,
-- so that is the default.
ALTER TABLE shadow_comparisons ADD COLUMN shadow_engine TEXT NOT NULL DEFAULT 'built-in';
