-- LLM spend per business-local day and month (integer micro-dollars), so a restart
-- never resets the budget, and operator settings changed at run time (budget limits,
-- routing strategy) that must survive a restart.
CREATE TABLE llm_spend (
    period       TEXT PRIMARY KEY,   -- 'day:YYYY-MM-DD' or 'month:YYYY-MM'
    spent_micros INTEGER NOT NULL DEFAULT 0 CHECK (spent_micros >= 0)
);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
