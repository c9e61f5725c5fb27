-- Schema 2: conversation fingerprints for workflow inference and the waste detector (docs/workflows.md).
-- Forward-only and additive: rows written before this migration keep NULLs and are simply not chained.
ALTER TABLE prompt_events ADD COLUMN messages_hash TEXT;          -- canonical hash of system + all messages
ALTER TABLE prompt_events ADD COLUMN parent_messages_hash TEXT;   -- same, of the messages before the last assistant turn
ALTER TABLE prompt_events ADD COLUMN tool_count INTEGER;          -- tool definitions sent
ALTER TABLE prompt_events ADD COLUMN tool_definition_tokens INTEGER;
ALTER TABLE prompt_events ADD COLUMN tool_call_count INTEGER;     -- tool calls in the history
ALTER TABLE prompt_events ADD COLUMN last_tool_call_hash TEXT;    -- tool calls of the last assistant turn
CREATE INDEX IF NOT EXISTS ix_prompt_events_messages_hash ON prompt_events(messages_hash) WHERE messages_hash IS NOT NULL;
