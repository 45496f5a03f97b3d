-- The replies the output screen stopped, counted per turn on the conversation itself
-- (written by the same UPDATE as the rest of the turn's totals). Counting them from
-- safety_incidents could only tell replies apart by (conversation, second), so two
-- stopped replies within one second counted once.
ALTER TABLE conversations ADD COLUMN output_blocked_turns INTEGER NOT NULL DEFAULT 0;

-- Conversations recorded before this column: the old per-second count is the best
-- that their incident rows can tell, and it keeps a running canary's figures continuous.
UPDATE conversations SET output_blocked_turns = (
    SELECT COUNT(DISTINCT i.created_at) FROM safety_incidents i
    WHERE i.conversation_id = conversations.id AND i.direction = 'output'
);

-- Only the canary's old count read safety_incidents by conversation; nothing does now.
DROP INDEX safety_incidents_output_conversation;
