using System.Text.Json;
using Microsoft.Data.Sqlite;
using TokenOps.Core.Bus;
using TokenOps.Core.Events;
using TokenOps.Core.Json;
using TokenOps.Storage.Redaction;

namespace TokenOps.Storage;

/// <summary>
/// Bus sink that writes each batch in ONE transaction with two prepared INSERT OR IGNORE statements
/// (idempotent by envelope id: a replayed or re-delivered event is stored once).
/// </summary>
/// <remarks>
/// <para>Durability: every batch the bus hands over is committed before WriteBatchAsync returns; FlushAsync
/// (shutdown, after the last batch) checkpoints the WAL. A kill -9 therefore loses only what had not been
/// committed yet: the batch being written plus whatever is still waiting in the bus ring. The bus does not
/// wait to fill batches, so under normal load that window is one batch transaction (a few milliseconds,
/// at most EventBusOptions.MaxBatchSize events); only a ring that backed up (a stalled disk) widens it,
/// bounded by the ring capacity. synchronous=NORMAL in WAL mode keeps commits across a process crash; an
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

    private readonly SqliteEventStore _store;
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insertPrompt;
    private readonly SqliteCommand _insertEvent;
    private readonly SqliteParameter[] _promptParameters;
    private readonly SqliteParameter[] _eventParameters;
    private bool _disposed;

    public SqliteEventSink(SqliteEventStore store)
    {
        _store = store;
        _connection = store.OpenWriteConnection();
        (_insertPrompt, _promptParameters) = Prepare(_connection, "prompt_events", PromptColumns);
        (_insertEvent, _eventParameters) = Prepare(_connection, "events", EventColumns);
    }

    public string Name => "sqlite";

    /// <summary>Rows actually inserted (re-delivered ids are ignored and not counted).</summary>
    public long Inserted { get; private set; }

    public ValueTask WriteBatchAsync(IReadOnlyList<Envelope> batch, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var transaction = _connection.BeginTransaction(deferred: false);
        _insertPrompt.Transaction = transaction;
        _insertEvent.Transaction = transaction;
        var inserted = 0L;
        for (var i = 0; i < batch.Count; i++)
        {
            var envelope = batch[i];
            if (envelope.Prompt is { } prompt && envelope.Type == EventTypes.Prompt)
            {
                BindPrompt(envelope, prompt);
                inserted += _insertPrompt.ExecuteNonQuery();
            }
            else if (HasPayload(envelope))
            {
                BindEvent(envelope);
                inserted += _insertEvent.ExecuteNonQuery();
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

    private void BindPrompt(Envelope envelope, PromptEvent p)
    {
        var values = _promptParameters;
        var i = 0;
        values[i++].Value = envelope.Id;
        values[i++].Value = p.StartedAt.ToUnixTimeMilliseconds();
        values[i++].Value = envelope.Source;
        values[i++].Value = envelope.SchemaVersion;
        values[i++].Value = p.Provider;
        values[i++].Value = p.Operation;
        values[i++].Value = p.Method;
        values[i++].Value = SecretRedactor.Redact(p.Path);
        values[i++].Value = Db(p.PromptHash);
        values[i++].Value = Db(p.RequestModel);
        values[i++].Value = Db(p.ResponseModel);
        values[i++].Value = Db(p.ResponseModel ?? p.RequestModel);
        values[i++].Value = p.Stream ? 1 : 0;
        values[i++].Value = Db(p.MaxTokens);
        values[i++].Value = Db(p.MessageCount);
        values[i++].Value = Db(p.EstimatedInputTokens);
        values[i++].Value = Db(p.Tokenizer);
        values[i++].Value = p.TokenizerExact is { } exact ? (exact ? 1 : 0) : DBNull.Value;
        values[i++].Value = p.RequestBytes;
        values[i++].Value = p.ResponseBytes;
        values[i++].Value = Db(p.WorkflowId);
        values[i++].Value = Db(p.AgentId);
        values[i++].Value = Db(p.SessionId);
        values[i++].Value = Db(p.UserId);
        values[i++].Value = Db(p.TraceId);
        values[i++].Value = Db(p.SpanId);
        values[i++].Value = Db(p.CredentialHash);
        values[i++].Value = p.StatusCode;
        values[i++].Value = Db(p.ResponseId);
        values[i++].Value = Db(p.FinishReason);
        values[i++].Value = Db(p.ErrorType);
        values[i++].Value = Db(p.ErrorCode);
        values[i++].Value = Db(p.ProxyError);
        values[i++].Value = Db(p.InputTokens);
        values[i++].Value = Db(p.OutputTokens);
        values[i++].Value = Db(p.CachedInputTokens);
        values[i++].Value = Db(p.CacheWriteInputTokens);
        values[i++].Value = Db(p.CacheWrite5mInputTokens);
        values[i++].Value = Db(p.CacheWrite1hInputTokens);
        values[i++].Value = Db(p.ReasoningTokens);
        values[i++].Value = p.UsageSource;
        values[i++].Value = p.LatencyMs;
        values[i++].Value = Db(p.TimeToFirstByteMs);
        values[i++].Value = Db(p.TimeToFirstTokenMs);
        values[i++].Value = p.CacheHit ? 1 : 0;
        values[i++].Value = Db(p.CostUsd);
        values[i++].Value = Db(p.InputCostUsd);
        values[i++].Value = Db(p.OutputCostUsd);
        values[i++].Value = Db(p.CachedInputCostUsd);
        values[i++].Value = Db(p.CacheWriteCostUsd);
        values[i++].Value = Db(p.SavedUsd);
        values[i++].Value = Db(p.PricingStatus);
        values[i++].Value = Db(p.RateCardVersion);
        values[i++].Value = envelope.Attributes is { } attributes
            ? SecretRedactor.Redact(JsonSerializer.Serialize(attributes, CoreJsonContext.Default.DictionaryStringString))
            : DBNull.Value;
        values[i++].Value = p.CapturedRequestBody is { } request ? BodyCodec.Compress(SecretRedactor.Redact(request)) : DBNull.Value;
        values[i++].Value = p.CapturedResponseBody is { } response ? BodyCodec.Compress(SecretRedactor.Redact(response)) : DBNull.Value;
        values[i++].Value = Db(p.MessagesHash);
        values[i++].Value = Db(p.ParentMessagesHash);
        values[i++].Value = Db(p.ToolCount);
        values[i++].Value = Db(p.ToolDefinitionTokens);
        values[i++].Value = Db(p.ToolCallCount);
        values[i++].Value = Db(p.LastToolCallHash);
    }

    private void BindEvent(Envelope envelope)
    {
        var values = _eventParameters;
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

        values[0].Value = envelope.Id;
        values[1].Value = envelope.Type;
        values[2].Value = envelope.Timestamp.ToUnixTimeMilliseconds();
        values[3].Value = envelope.Source;
        values[4].Value = envelope.SchemaVersion;
        values[5].Value = Db(kind);
        values[6].Value = Db(workflowId);
        values[7].Value = Db(sessionId);
        values[8].Value = Db(agentId);
        values[9].Value = SecretRedactor.Redact(EnvelopeJson.Serialize(envelope));
    }

    private static bool HasPayload(Envelope envelope) => envelope.Type switch
    {
        EventTypes.Optimization => envelope.Optimization is not null,
        EventTypes.Workflow => envelope.Workflow is not null,
        EventTypes.Coaching => envelope.Coaching is not null,
        _ => false,
    };

    private static object Db(string? value) => value is null ? DBNull.Value : value;

    private static object Db(int? value) => value is { } v ? v : DBNull.Value;

    private static object Db(long? value) => value is { } v ? v : DBNull.Value;

    private static object Db(double? value) => value is { } v ? v : DBNull.Value;

    // Money is REAL in the store (SUM/GROUP BY in SQL); decimal→double keeps the 15 significant digits a
    // rate-card price has.
    private static object Db(decimal? value) => value is { } v ? (double)v : DBNull.Value;

    private static (SqliteCommand, SqliteParameter[]) Prepare(SqliteConnection connection, string table, string[] columns)
    {
        var command = connection.CreateCommand();
        command.CommandText = $"INSERT OR IGNORE INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", Array.ConvertAll(columns, c => "$" + c))});";
        var parameters = new SqliteParameter[columns.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            parameters[i] = command.Parameters.Add(new SqliteParameter("$" + columns[i], DBNull.Value));
        }

        command.Prepare();
        return (command, parameters);
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

    public override string ToString() => $"sqlite sink → {_store.Path}";
}
