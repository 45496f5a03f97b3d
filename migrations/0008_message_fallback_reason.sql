-- Why a turn routed to a model was answered by the built-in engine (budget, circuit_open,
-- server_error, …); NULL when no fallback happened. The dashboard counts fallbacks from it.
ALTER TABLE messages ADD COLUMN fallback_reason TEXT;
CREATE INDEX messages_fallbacks ON messages (created_at) WHERE fallback_reason IS NOT NULL;
