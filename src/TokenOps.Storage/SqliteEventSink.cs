using System.Text.Json;
using Microsoft.Data.Sqlite;
using SQLitePCL;
using TokenOps.Core.Bus;
using TokenOps.Core.Events;
using TokenOps.Core.Json;
using TokenOps.Storage.Redaction;

namespace TokenOps.Storage;

/// <summary>
/// Bus sink that writes each batch in ONE transaction with two prepared INSERT OR IGNORE statements
/// (idempotent by envelope id: a replayed or re-delivered event is stored once), at most one transaction per
/// <see cref="CommitInterval"/>.
/// </summary>
/// <remarks>
/// <para>Durability: every batch the bus hands over is committed before WriteBatchAsync returns; FlushAsync
/// (shutdown, after the last batch) checkpoints the WAL. A kill -9 therefore loses only what had not been
/// committed yet: the batch being written plus whatever is still waiting in the bus ring. Under load that
/// window is one <see cref="CommitInterval"/> (50 ms) plus one batch transaction (at most
/// EventBusOptions.MaxBatchSize events); only a ring that backed up (a stalled disk) widens it, bounded by the
/// ring capacity. synchronous=NORMAL in WAL mode keeps commits across a process crash; an
/// OS crash or power loss may additionally roll back the last commits
/// (https://www.sqlite.org/pragma.html#pragma_synchronous).</para>
/// <para>Privacy: no header is ever stored (PromptEvent carries none). Captured bodies (capture.bodies=true)
/// are redacted with <see cref="SecretRedactor"/> then gzip-compressed; attributes, paths and non-prompt
/// payloads are redacted too.</para>
/// <para>Called only from its bus consumer loop, so it owns one connection and its commands without locks.</para>
/// </remarks>
internal sealed class SqliteEventSink : IEventSink, IDisposable
{
    private static readonly string[] PromptColumns =
    [
        "id", "ts_ms", "source", "schema_version", "provider", "operation", "method", "path", "prompt_hash",
        "request_model", "response_model", "model", "stream", "max_tokens", "message_count", "estimated_input_tokens",
        "tokenizer", "tokenizer_exact", "request_bytes", "response_bytes", "workflow_id", "agent_id", "session_id",
        "user_id", "trace_id", "span_id", "credential_hash", "status_code", "response_id", "finish_reason",
        "error_type", "error_code", "proxy_error", "input_tokens", "output_tokens", "cached_input_tokens",
        "cache_write_input_tokens", "cache_write_5m_input_tokens", "cache_write_1h_input_tokens", "reasoning_tokens",
        "usage_source", "latency_ms", "ttfb_ms", "ttft_ms", "cache_hit", "cost_usd", "input_cost_usd",
        "output_cost_usd", "cached_input_cost_usd", "cache_write_cost_usd", "saved_usd", "pricing_status",
        "rate_card_version", "attributes", "request_body", "response_body",
        "messages_hash", "parent_messages_hash", "tool_count", "tool_definition_tokens", "tool_call_count", "last_tool_call_hash",
    ];

    private static readonly string[] EventColumns =
        ["id", "type", "ts_ms", "source", "schema_version", "kind", "workflow_id", "session_id", "agent_id", "payload"];

    /// <summary>
    /// Least time between two transactions (<see cref="IEventSink.BatchInterval"/>). A commit costs far more than a row
    /// (WAL frames for every touched page), so under load the rows of this interval share one; an event after a quiet
    /// spell is still written at once. It is also the most a kill -9 can lose beyond the batch being written.
    /// </summary>
    public static readonly TimeSpan CommitInterval = TimeSpan.FromMilliseconds(50);

    private readonly SqliteEventStore _store;
    private readonly SqliteConnection _connection;
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _insertPrompt;
    private readonly sqlite3_stmt _insertEvent;
    private bool _disposed;

    public SqliteEventSink(SqliteEventStore store)
    {
        _store = store;
        _connection = store.OpenWriteConnection();
        _db = _connection.Handle!;
        _insertPrompt = Prepare(_db, "prompt_events", PromptColumns);
        _insertEvent = Prepare(_db, "events", EventColumns);
    }

    public string Name => "sqlite";

    public TimeSpan BatchInterval => CommitInterval;

    /// <summary>Rows actually inserted (re-delivered ids are ignored and not counted).</summary>
    public long Inserted { get; private set; }

    public ValueTask WriteBatchAsync(IReadOnlyList<Envelope> batch, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var transaction = _connection.BeginTransaction(deferred: false);
        var inserted = 0L;
        var slice = CpuSlice.Start(batch);
        for (var i = 0; i < batch.Count; i++)
        {
            slice.Check(); // a batch is ~20 µs a row: give the core up between rows once in a while (CpuSlice)
            var envelope = batch[i];
            if (envelope.Prompt is { } prompt && envelope.Type == EventTypes.Prompt)
            {
                BindPrompt(new Row(_db, _insertPrompt), envelope, prompt);
                inserted += Execute(_insertPrompt);
            }
            else if (HasPayload(envelope))
            {
                BindEvent(new Row(_db, _insertEvent), envelope);
                inserted += Execute(_insertEvent);
            }

            // An envelope without a payload (unknown type from a newer producer) has nothing to store.
        }

        transaction.Commit();
        Inserted += inserted;
        return ValueTask.CompletedTask;
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (!_disposed)
        {
            // Fold the WAL back into the database so the file is self-contained after shutdown. Commits are
            // already durable; this only tidies up (it does not fail when readers hold the WAL).
            SqliteRuntime.Execute(_connection, "PRAGMA wal_checkpoint(TRUNCATE);");
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Runs a bound INSERT OR IGNORE; returns the rows it inserted (0 for a re-delivered id).</summary>
    private int Execute(sqlite3_stmt statement)
    {
        try
        {
            var rc = raw.sqlite3_step(statement);
            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }

            return raw.sqlite3_changes(_db);
        }
        finally
        {
            // Releases the statement's read of the table; bindings need no clearing: every row binds every column
            // (Row.AssertComplete).
            raw.sqlite3_reset(statement);
        }
    }

    private static void BindPrompt(Row row, Envelope envelope, PromptEvent p)
    {
        row.Text(envelope.Id);
        row.Int(p.StartedAt.ToUnixTimeMilliseconds());
        row.Text(envelope.Source);
        row.Text(envelope.SchemaVersion);
        row.Text(p.Provider);
        row.Text(p.Operation);
        row.Text(p.Method);
        row.Text(SecretRedactor.Redact(p.Path));
        row.Text(p.PromptHash);
        row.Text(p.RequestModel);
        row.Text(p.ResponseModel);
        row.Text(p.ResponseModel ?? p.RequestModel);
        row.Int(p.Stream ? 1 : 0);
        row.Int(p.MaxTokens);
        row.Int(p.MessageCount);
        row.Int(p.EstimatedInputTokens);
        row.Text(p.Tokenizer);
        row.Int(p.TokenizerExact is { } exact ? (exact ? 1 : 0) : null);
        row.Int(p.RequestBytes);
        row.Int(p.ResponseBytes);
        row.Text(p.WorkflowId);
        row.Text(p.AgentId);
        row.Text(p.SessionId);
        row.Text(p.UserId);
        row.Text(p.TraceId);
        row.Text(p.SpanId);
        row.Text(p.CredentialHash);
        row.Int(p.StatusCode);
        row.Text(p.ResponseId);
        row.Text(p.FinishReason);
        row.Text(p.ErrorType);
        row.Text(p.ErrorCode);
        row.Text(p.ProxyError);
        row.Int(p.InputTokens);
        row.Int(p.OutputTokens);
        row.Int(p.CachedInputTokens);
        row.Int(p.CacheWriteInputTokens);
        row.Int(p.CacheWrite5mInputTokens);
        row.Int(p.CacheWrite1hInputTokens);
        row.Int(p.ReasoningTokens);
        row.Text(p.UsageSource);
        row.Real(p.LatencyMs);
        row.Real(p.TimeToFirstByteMs);
        row.Real(p.TimeToFirstTokenMs);
        row.Int(p.CacheHit ? 1 : 0);
        row.Money(p.CostUsd);
        row.Money(p.InputCostUsd);
        row.Money(p.OutputCostUsd);
        row.Money(p.CachedInputCostUsd);
        row.Money(p.CacheWriteCostUsd);
        row.Money(p.SavedUsd);
        row.Text(p.PricingStatus);
        row.Text(p.RateCardVersion);
        row.Text(envelope.Attributes is { } attributes
            ? SecretRedactor.Redact(JsonSerializer.Serialize(attributes, CoreJsonContext.Default.DictionaryStringString))
            : null);
        row.Blob(p.CapturedRequestBody is { } request ? BodyCodec.Compress(SecretRedactor.Redact(request)) : null);
        row.Blob(p.CapturedResponseBody is { } response ? BodyCodec.Compress(SecretRedactor.Redact(response)) : null);
        row.Text(p.MessagesHash);
        row.Text(p.ParentMessagesHash);
        row.Int(p.ToolCount);
        row.Int(p.ToolDefinitionTokens);
        row.Int(p.ToolCallCount);
        row.Text(p.LastToolCallHash);
        row.AssertComplete(PromptColumns.Length);
    }

    private static void BindEvent(Row row, Envelope envelope)
    {
        string? kind = null, workflowId = null, sessionId = null, agentId = null;
        switch (envelope.Type)
        {
            case EventTypes.Optimization when envelope.Optimization is { } o:
                (kind, workflowId, sessionId, agentId) = (o.Kind, o.WorkflowId, o.SessionId, o.AgentId);
                break;
            case EventTypes.Workflow when envelope.Workflow is { } w:
                (kind, workflowId, sessionId, agentId) = (w.State, w.WorkflowId, w.SessionId, w.AgentId);
                break;
            case EventTypes.Coaching when envelope.Coaching is { } c:
                (kind, workflowId) = (c.Kind, c.WorkflowId);
                break;
        }

        row.Text(envelope.Id);
        row.Text(envelope.Type);
        row.Int(envelope.Timestamp.ToUnixTimeMilliseconds());
        row.Text(envelope.Source);
        row.Text(envelope.SchemaVersion);
        row.Text(kind);
        row.Text(workflowId);
        row.Text(sessionId);
        row.Text(agentId);
        row.Text(SecretRedactor.Redact(EnvelopeJson.Serialize(envelope)));
        row.AssertComplete(EventColumns.Length);
    }

    private static bool HasPayload(Envelope envelope) => envelope.Type switch
    {
        EventTypes.Optimization => envelope.Optimization is not null,
        EventTypes.Workflow => envelope.Workflow is not null,
        EventTypes.Coaching => envelope.Coaching is not null,
        _ => false,
    };

    private static sqlite3_stmt Prepare(sqlite3 db, string table, string[] columns)
    {
        var sql = $"INSERT OR IGNORE INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", Array.ConvertAll(columns, c => "$" + c))});";
        var rc = raw.sqlite3_prepare_v3(db, sql, raw.SQLITE_PREPARE_PERSISTENT, out var statement);
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, db);
        }

        return statement;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _insertPrompt.Dispose();
        _insertEvent.Dispose();
        _connection.Dispose();
    }

    /// <summary>
    /// Binds one row's values by position (1-based, in column order) on SQLite's own API: no parameter objects, no
    /// boxing, no name lookups. Text is bound as UTF-16 from the string itself (SQLite copies it).
    /// </summary>
    private struct Row(sqlite3 db, sqlite3_stmt statement)
    {
        private int _index;

        public void Text(string? value) =>
            Check(value is null ? raw.sqlite3_bind_null(statement, ++_index) : raw.sqlite3_bind_text16(statement, ++_index, value.AsSpan()));

        public void Int(long value) => Check(raw.sqlite3_bind_int64(statement, ++_index, value));

        public void Int(long? value) =>
            Check(value is { } v ? raw.sqlite3_bind_int64(statement, ++_index, v) : raw.sqlite3_bind_null(statement, ++_index));

        public void Real(double value) => Check(raw.sqlite3_bind_double(statement, ++_index, value));

        public void Real(double? value) =>
            Check(value is { } v ? raw.sqlite3_bind_double(statement, ++_index, v) : raw.sqlite3_bind_null(statement, ++_index));

        // Money is REAL in the store (SUM/GROUP BY in SQL); decimal→double keeps the 15 significant digits a
        // rate-card price has.
        public void Money(decimal? value) => Real(value is { } v ? (double)v : null);

        public void Blob(byte[]? value) =>
            Check(value is null ? raw.sqlite3_bind_null(statement, ++_index) : raw.sqlite3_bind_blob(statement, ++_index, value));

        /// <summary>Every column got a value (a column added without a bind would silently store NULL).</summary>
        public readonly void AssertComplete(int columns)
        {
            if (_index != columns)
            {
                throw new InvalidOperationException($"bound {_index} of {columns} columns");
            }
        }

        private readonly void Check(int rc)
        {
            if (rc != raw.SQLITE_OK)
            {
                SqliteException.ThrowExceptionForRC(rc, db);
            }
        }
    }

    public override string ToString() => $"sqlite sink → {_store.Path}";
}
