-- The built-in engine's wording of each variant, as data beside its model tone, so a
-- new variant row needs no code. The casual tone gains the emoji hint the code used to
-- add by hand.
ALTER TABLE variants ADD COLUMN voice TEXT NOT NULL DEFAULT 'baseline'
    CHECK (voice IN ('baseline', 'professional', 'casual'));
UPDATE variants SET voice = 'professional' WHERE name = 'professional';
UPDATE variants SET voice = 'casual', tone = 'relaxed, warm and brief, an emoji now and then'
    WHERE name = 'casual';
