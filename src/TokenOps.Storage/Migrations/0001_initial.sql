-- TokenOps event store, schema 1. Forward-only: never edit a migration that has shipped; add 0002_*.sql.
-- Time is unix milliseconds UTC (INTEGER) so range scans hit the index; money is REAL USD.
CREATE TABLE IF NOT EXISTS prompt_events (
  id                          TEXT PRIMARY KEY,      -- envelope id (UUIDv7)
  ts_ms                       INTEGER NOT NULL,      -- started_at, unix ms UTC
  source                      TEXT NOT NULL,         -- proxy | replay | demo
  schema_version              TEXT NOT NULL,
  provider                    TEXT NOT NULL,
  operation                   TEXT NOT NULL,
  method                      TEXT,
  path                        TEXT,
  prompt_hash                 TEXT,
  request_model               TEXT,
  response_model              TEXT,
  model                       TEXT,                  -- response_model ?? request_model: what reports group by
  stream                      INTEGER NOT NULL DEFAULT 0,
  max_tokens                  INTEGER,
  message_count               INTEGER,
  estimated_input_tokens      INTEGER,
  tokenizer                   TEXT,
  tokenizer_exact             INTEGER,
  request_bytes               INTEGER,
  response_bytes              INTEGER,
  workflow_id                 TEXT,
  agent_id                    TEXT,
  session_id                  TEXT,
  user_id                     TEXT,
  trace_id                    TEXT,
  span_id                     TEXT,
  credential_hash             TEXT,
  status_code                 INTEGER,
  response_id                 TEXT,
  finish_reason               TEXT,
  error_type                  TEXT,
  error_code                  TEXT,
  proxy_error                 TEXT,
  input_tokens                INTEGER,
  output_tokens               INTEGER,
  cached_input_tokens         INTEGER,
  cache_write_input_tokens    INTEGER,
  cache_write_5m_input_tokens INTEGER,
  cache_write_1h_input_tokens INTEGER,
  reasoning_tokens            INTEGER,
  usage_source                TEXT NOT NULL,
  latency_ms                  REAL,
  ttfb_ms                     REAL,
  ttft_ms                     REAL,
  cache_hit                   INTEGER NOT NULL DEFAULT 0,
  cost_usd                    REAL,
  input_cost_usd              REAL,
  output_cost_usd             REAL,
  cached_input_cost_usd       REAL,
  cache_write_cost_usd        REAL,
  saved_usd                   REAL,
  pricing_status              TEXT,
  rate_card_version           TEXT,
  attributes                  TEXT,                  -- JSON object or NULL
  request_body                BLOB,                  -- only with capture.bodies=true: gzip, keys redacted
  response_body               BLOB                   -- only with capture.bodies=true: gzip, keys redacted
);
CREATE INDEX IF NOT EXISTS ix_prompt_events_ts ON prompt_events(ts_ms);
CREATE INDEX IF NOT EXISTS ix_prompt_events_provider_model_ts ON prompt_events(provider, model, ts_ms);
CREATE INDEX IF NOT EXISTS ix_prompt_events_workflow ON prompt_events(workflow_id, ts_ms) WHERE workflow_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_prompt_events_agent ON prompt_events(agent_id, ts_ms) WHERE agent_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_prompt_events_session ON prompt_events(session_id, ts_ms) WHERE session_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_prompt_events_hash ON prompt_events(prompt_hash, ts_ms);

-- Optimization, workflow and coaching events: common columns for filtering, the payload as JSON.
CREATE TABLE IF NOT EXISTS events (
  id             TEXT PRIMARY KEY,
  type           TEXT NOT NULL,                      -- optimization | workflow | coaching
  ts_ms          INTEGER NOT NULL,
  source         TEXT NOT NULL,
  schema_version TEXT NOT NULL,
  kind           TEXT,                               -- optimizer kind / workflow state / finding kind
  workflow_id    TEXT,
  session_id     TEXT,
  agent_id       TEXT,
  payload        TEXT NOT NULL                       -- the envelope's JSON
);
CREATE INDEX IF NOT EXISTS ix_events_type_ts ON events(type, ts_ms);
CREATE INDEX IF NOT EXISTS ix_events_workflow ON events(workflow_id, ts_ms) WHERE workflow_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_events_ts ON events(ts_ms);
CREATE INDEX IF NOT EXISTS ix_events_agent ON events(agent_id, ts_ms) WHERE agent_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_events_session ON events(session_id, ts_ms) WHERE session_id IS NOT NULL;
