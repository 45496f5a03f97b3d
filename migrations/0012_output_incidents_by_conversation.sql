-- The canary counts the replies the output screen stopped per conversation of a variant.
CREATE INDEX safety_incidents_output_conversation ON safety_incidents (conversation_id)
    WHERE direction = 'output';
