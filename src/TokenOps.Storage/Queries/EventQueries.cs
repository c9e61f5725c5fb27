using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using TokenOps.Core.Events;
using TokenOps.Core.Json;

namespace TokenOps.Storage.Queries;

/// <summary>
/// The read side of the store, shared by the CLI (<c>tokenops events</c>, <c>status</c>), Insights and MCP
/// so they all agree. Opens the file read-only: WAL lets it read while the daemon writes, and it can never
/// take the writer's lock.
/// </summary>
public sealed class EventQueries : IDisposable
{
    private const int MaxLimit = 10_000;
    private readonly SqliteConnection _connection;

    private EventQueries(string path, SqliteConnection connection)
    {
        Path = path;
        _connection = connection;
    }

    public string Path { get; }

    /// <exception cref="StoreUnavailableException">No store at the path, or it is corrupt/locked/unreadable.</exception>
    public static EventQueries OpenReadOnly(string path, TimeSpan? busyTimeout = null)
    {
        var fullPath = StorePaths.Expand(path);
        if (!File.Exists(fullPath))
        {
            throw new StoreUnavailableException(fullPath, StoreFailure.NotFound,
                $"No event store at '{fullPath}'. Storing events is off by default: start the daemon with --store, " +
                "or set storage.enabled=true in ~/.tokenops/config.json (or TOKENOPS_STORAGE_ENABLED=1).");
        }

        SqliteConnection? connection = null;
        try
        {
            connection = SqliteRuntime.OpenReadOnly(fullPath, busyTimeout ?? TimeSpan.FromSeconds(5));
            // Touch the schema now so a corrupt or foreign file fails here with a clear message.
            _ = SqliteRuntime.Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'prompt_events';");
            return new EventQueries(fullPath, connection);
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            connection?.Dispose();
            throw StoreUnavailableException.From(fullPath, ex);
        }
    }

    /// <summary>Newest prompt events matching <paramref name="filter"/>, newest first.</summary>
    public IReadOnlyList<PromptEventRow> Recent(EventFilter? filter = null)
    {
        filter ??= new EventFilter();
        using var command = _connection.CreateCommand();
        var sql = new StringBuilder(
            """
            SELECT id, ts_ms, source, provider, model, operation, stream, input_tokens, output_tokens, cached_input_tokens,
                   reasoning_tokens, latency_ms, ttft_ms, status_code, error_type, proxy_error, cost_usd, pricing_status,
                   cache_hit, usage_source, workflow_id, agent_id, session_id, response_id,
                   cache_write_input_tokens, cache_write_5m_input_tokens, cache_write_1h_input_tokens, saved_usd, request_model
            FROM prompt_events WHERE 1 = 1
            """);
        if (filter.Since is { } since)
        {
            sql.Append(" AND ts_ms >= $since");
            command.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
        }

        if (filter.Until is { } until)
        {
            sql.Append(" AND ts_ms < $until");
            command.Parameters.AddWithValue("$until", until.ToUnixTimeMilliseconds());
        }

        if (!string.IsNullOrEmpty(filter.Provider))
        {
            sql.Append(" AND provider = $provider");
            command.Parameters.AddWithValue("$provider", filter.Provider.ToLowerInvariant());
        }

        if (!string.IsNullOrEmpty(filter.Model))
        {
            sql.Append(" AND model = $model");
            command.Parameters.AddWithValue("$model", filter.Model);
        }

        if (!string.IsNullOrEmpty(filter.Workflow))
        {
            sql.Append(" AND workflow_id = $workflow");
            command.Parameters.AddWithValue("$workflow", filter.Workflow);
        }

        sql.Append(" ORDER BY ts_ms DESC, id DESC LIMIT $limit;");
        command.Parameters.AddWithValue("$limit", Math.Clamp(filter.Limit, 1, MaxLimit));
        command.CommandText = sql.ToString();

        var rows = new List<PromptEventRow>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add(new PromptEventRow
            {
                Id = reader.GetString(0),
                Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                Source = reader.GetString(2),
                Provider = reader.GetString(3),
                Model = Str(reader, 4),
                Operation = reader.GetString(5),
                Stream = reader.GetInt64(6) != 0,
                InputTokens = Long(reader, 7),
                OutputTokens = Long(reader, 8),
                CachedInputTokens = Long(reader, 9),
                ReasoningTokens = Long(reader, 10),
                LatencyMs = reader.IsDBNull(11) ? 0 : reader.GetDouble(11),
                TimeToFirstTokenMs = Double(reader, 12),
                StatusCode = reader.IsDBNull(13) ? 0 : reader.GetInt32(13),
                ErrorType = Str(reader, 14),
                ProxyError = Str(reader, 15),
                CostUsd = Money(reader, 16),
                PricingStatus = Str(reader, 17),
                CacheHit = reader.GetInt64(18) != 0,
                UsageSource = reader.GetString(19),
                WorkflowId = Str(reader, 20),
                AgentId = Str(reader, 21),
                SessionId = Str(reader, 22),
                ResponseId = Str(reader, 23),
                CacheWriteInputTokens = Long(reader, 24),
                CacheWrite5mInputTokens = Long(reader, 25),
                CacheWrite1hInputTokens = Long(reader, 26),
                SavedUsd = Money(reader, 27),
                RequestModel = Str(reader, 28),
            });
        }

        return rows;
    }

    /// <summary>Path, size on disk (incl. WAL), schema version, counts per type, first/last event time.</summary>
    public StoreStats Stats()
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        long? first = null, last = null;
        using (var command = _connection.CreateCommand())
        {
            command.CommandText =
                """
                SELECT 'prompt', COUNT(*), MIN(ts_ms), MAX(ts_ms) FROM prompt_events
                UNION ALL
                SELECT type, COUNT(*), MIN(ts_ms), MAX(ts_ms) FROM events GROUP BY type;
                """;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var count = reader.GetInt64(1);
                if (count == 0)
                {
                    continue;
                }

                counts[reader.GetString(0)] = count;
                total += count;
                var min = reader.GetInt64(2);
                var max = reader.GetInt64(3);
                first = first is null ? min : Math.Min(first.Value, min);
                last = last is null ? max : Math.Max(last.Value, max);
            }
        }

        var schemaVersion = Convert.ToInt32(
            SqliteRuntime.Scalar(_connection, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations;"), CultureInfo.InvariantCulture);
        var databaseBytes = FileLength(Path);
        var walBytes = FileLength(Path + "-wal");
        return new StoreStats
        {
            Path = Path,
            DatabaseBytes = databaseBytes,
            WalBytes = walBytes,
            FileSizeBytes = databaseBytes + walBytes,
            SchemaVersion = schemaVersion,
            TotalEvents = total,
            CountsByType = counts,
            FirstTimestamp = first is { } f ? DateTimeOffset.FromUnixTimeMilliseconds(f) : null,
            LastTimestamp = last is { } l ? DateTimeOffset.FromUnixTimeMilliseconds(l) : null,
        };
    }

    /// <summary>The stored prompt event with every field, as an envelope (bodies: see <see cref="ReadCapturedBodies"/>).</summary>
    public Envelope? GetPrompt(string eventId)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT * FROM prompt_events WHERE id = $id;";
        command.Parameters.AddWithValue("$id", eventId);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        int O(string column) => reader.GetOrdinal(column);
        var prompt = new PromptEvent
        {
            Provider = reader.GetString(O("provider")),
            Operation = reader.GetString(O("operation")),
            Method = Str(reader, O("method")) ?? "",
            Path = Str(reader, O("path")) ?? "",
            PromptHash = Str(reader, O("prompt_hash")),
            RequestModel = Str(reader, O("request_model")),
            Stream = reader.GetInt64(O("stream")) != 0,
            MaxTokens = Int(reader, O("max_tokens")),
            MessageCount = Int(reader, O("message_count")),
            EstimatedInputTokens = Int(reader, O("estimated_input_tokens")),
            Tokenizer = Str(reader, O("tokenizer")),
            TokenizerExact = Long(reader, O("tokenizer_exact")) is { } exact ? exact != 0 : null,
            RequestBytes = Long(reader, O("request_bytes")) ?? 0,
            WorkflowId = Str(reader, O("workflow_id")),
            AgentId = Str(reader, O("agent_id")),
            SessionId = Str(reader, O("session_id")),
            UserId = Str(reader, O("user_id")),
            TraceId = Str(reader, O("trace_id")),
            SpanId = Str(reader, O("span_id")),
            CredentialHash = Str(reader, O("credential_hash")),
            StatusCode = Int(reader, O("status_code")) ?? 0,
            ResponseModel = Str(reader, O("response_model")),
            ResponseId = Str(reader, O("response_id")),
            FinishReason = Str(reader, O("finish_reason")),
            ErrorType = Str(reader, O("error_type")),
            ErrorCode = Str(reader, O("error_code")),
            ProxyError = Str(reader, O("proxy_error")),
            InputTokens = Long(reader, O("input_tokens")),
            OutputTokens = Long(reader, O("output_tokens")),
            CachedInputTokens = Long(reader, O("cached_input_tokens")),
            CacheWriteInputTokens = Long(reader, O("cache_write_input_tokens")),
            CacheWrite5mInputTokens = Long(reader, O("cache_write_5m_input_tokens")),
            CacheWrite1hInputTokens = Long(reader, O("cache_write_1h_input_tokens")),
            ReasoningTokens = Long(reader, O("reasoning_tokens")),
            UsageSource = reader.GetString(O("usage_source")),
            ResponseBytes = Long(reader, O("response_bytes")) ?? 0,
            StartedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(O("ts_ms"))),
            LatencyMs = Double(reader, O("latency_ms")) ?? 0,
            TimeToFirstByteMs = Double(reader, O("ttfb_ms")),
            TimeToFirstTokenMs = Double(reader, O("ttft_ms")),
            CacheHit = reader.GetInt64(O("cache_hit")) != 0,
            CostUsd = Money(reader, O("cost_usd")),
            InputCostUsd = Money(reader, O("input_cost_usd")),
            OutputCostUsd = Money(reader, O("output_cost_usd")),
            CachedInputCostUsd = Money(reader, O("cached_input_cost_usd")),
            CacheWriteCostUsd = Money(reader, O("cache_write_cost_usd")),
            SavedUsd = Money(reader, O("saved_usd")),
            PricingStatus = Str(reader, O("pricing_status")),
            RateCardVersion = Str(reader, O("rate_card_version")),
        };

        var attributes = Str(reader, O("attributes"));
        return new Envelope
        {
            Id = reader.GetString(O("id")),
            SchemaVersion = reader.GetString(O("schema_version")),
            Type = EventTypes.Prompt,
            Timestamp = prompt.StartedAt,
            Source = reader.GetString(O("source")),
            Attributes = attributes is null ? null : JsonSerializer.Deserialize(attributes, CoreJsonContext.Default.DictionaryStringString),
            Prompt = prompt,
        };
    }

    /// <summary>Optimization, workflow and coaching envelopes of one type, newest first.</summary>
    public IReadOnlyList<Envelope> RecentEvents(string type, DateTimeOffset? since = null, int limit = EventFilter.DefaultLimit)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT payload FROM events WHERE type = $type AND ts_ms >= $since ORDER BY ts_ms DESC, id DESC LIMIT $limit;";
        command.Parameters.AddWithValue("$type", type);
        command.Parameters.AddWithValue("$since", since?.ToUnixTimeMilliseconds() ?? long.MinValue);
        command.Parameters.AddWithValue("$limit", Math.Clamp(limit, 1, MaxLimit));
        var list = new List<Envelope>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            list.Add(EnvelopeJson.Deserialize(reader.GetString(0)));
        }

        return list;
    }

    /// <summary>The captured bodies of a prompt event, or null when the event does not exist or nothing was captured.</summary>
    public CapturedBodies? ReadCapturedBodies(string eventId)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT request_body, response_body FROM prompt_events WHERE id = $id;";
        command.Parameters.AddWithValue("$id", eventId);
        using var reader = command.ExecuteReader();
        if (!reader.Read() || (reader.IsDBNull(0) && reader.IsDBNull(1)))
        {
            return null;
        }

        return new CapturedBodies(
            reader.IsDBNull(0) ? null : BodyCodec.Decompress((byte[])reader.GetValue(0)),
            reader.IsDBNull(1) ? null : BodyCodec.Decompress((byte[])reader.GetValue(1)));
    }

    private static string? Str(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static long? Long(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    private static int? Int(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt32(i);

    private static double? Double(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDouble(i);

    private static decimal? Money(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : (decimal)r.GetDouble(i);

    private static long FileLength(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? info.Length : 0;
    }

    public void Dispose() => _connection.Dispose();
}
