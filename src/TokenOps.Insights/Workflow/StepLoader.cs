using System.Text;
using Microsoft.Data.Sqlite;
using TokenOps.Insights.Store;

namespace TokenOps.Insights.Workflow;

/// <summary>Reads <see cref="StepRow"/>s from the store, oldest first. Tolerates a store without the 0002 fingerprint columns (read as NULL).</summary>
internal static class StepLoader
{
    private static readonly string[] Columns =
    [
        "id", "ts_ms", "source", "provider", "model", "operation", "credential_hash", "workflow_id", "agent_id", "session_id",
        "prompt_hash", "messages_hash", "parent_messages_hash", "message_count", "input_tokens", "output_tokens",
        "cached_input_tokens", "cache_write_input_tokens", "estimated_input_tokens", "latency_ms", "cost_usd", "cache_hit",
        "status_code", "error_type", "proxy_error", "finish_reason", "max_tokens", "tool_count", "tool_definition_tokens",
        "tool_call_count", "last_tool_call_hash",
    ];

    /// <summary>
    /// A step that no id header places in a workflow but that may continue (or start) an inferred chain: prefix chaining
    /// (<see cref="SessionInferrer"/>) links such steps by their conversation hashes, whatever their model.
    /// </summary>
    internal const string Chainable = "workflow_id IS NULL AND session_id IS NULL AND messages_hash IS NOT NULL";

    /// <summary>Rows with ts in [since, until) matching the extra condition (<paramref name="where"/> uses $p0..$pN).</summary>
    public static List<StepRow> Load(SqliteConnection connection, DateTimeOffset since, DateTimeOffset until, bool includeDemo,
        string? where = null, params string[] parameters) =>
        Load(connection, new EventFilter { Since = since, Until = until, IncludeDemo = includeDemo }, where, parameters);

    /// <summary>
    /// Rows matching <paramref name="filter"/> (its WHERE clause: <see cref="EventFilter.AppendWhere"/>) and the extra condition
    /// (<paramref name="where"/> uses $p0..$pN).
    /// </summary>
    public static List<StepRow> Load(SqliteConnection connection, EventFilter filter, string? where = null, params string[] parameters) =>
        Load(connection, PresentColumns(connection), filter, where, parameters);

    private static List<StepRow> Load(SqliteConnection connection, HashSet<string> present, EventFilter filter, string? where,
        string[] parameters, Predicate<StepRow>? keep = null)
    {
        using var command = connection.CreateCommand();
        var sql = new StringBuilder("SELECT ");
        for (var i = 0; i < Columns.Length; i++)
        {
            sql.Append(i == 0 ? "" : ", ").Append(present.Contains(Columns[i]) ? Columns[i] : "NULL");
        }

        sql.Append(" FROM prompt_events");
        filter.AppendWhere(sql, command);
        if (where is not null)
        {
            sql.Append(" AND (").Append(where).Append(')');
            for (var i = 0; i < parameters.Length; i++)
            {
                command.Parameters.AddWithValue("$p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), parameters[i]);
            }
        }

        sql.Append(" ORDER BY ts_ms, id;");
        command.CommandText = sql.ToString();
        var rows = new List<StepRow>();
        // Provider, model, ids and the like repeat across rows: one string each instead of one per row (a month of a busy
        // store is a million rows held at once).
        var pool = new StringPool();
        using var r = new SqliteRowReader(connection, command);
        while (r.Read())
        {
            var row = new StepRow
            {
                Id = r.String(0)!,
                Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(r.Int64(1)),
                Source = pool.Get(r, 2)!,
                Provider = pool.Get(r, 3)!,
                Model = pool.Get(r, 4),
                Operation = pool.Get(r, 5)!,
                CredentialHash = pool.Get(r, 6),
                WorkflowId = pool.Get(r, 7),
                AgentId = pool.Get(r, 8),
                SessionId = pool.Get(r, 9),
                PromptHash = Hash(r, 10),
                MessagesHash = Hash(r, 11),
                ParentMessagesHash = Hash(r, 12),
                MessageCount = r.NullableInt32(13),
                InputTokens = r.NullableInt64(14),
                OutputTokens = r.NullableInt64(15),
                CachedInputTokens = r.NullableInt64(16),
                CacheWriteTokens = r.NullableInt64(17),
                EstimatedInputTokens = r.NullableInt32(18),
                LatencyMs = r.Double(19),
                CostUsd = r.IsNull(20) ? null : (decimal)r.Double(20),
                CacheHit = r.Int64(21) != 0,
                StatusCode = (int)r.Int64(22),
                ErrorType = pool.Get(r, 23),
                ProxyError = pool.Get(r, 24),
                FinishReason = pool.Get(r, 25),
                MaxTokens = r.NullableInt32(26),
                ToolCount = r.NullableInt32(27),
                ToolDefinitionTokens = r.NullableInt32(28),
                ToolCallCount = r.NullableInt32(29),
                LastToolCallHash = Hash(r, 30),
            };
            if (keep is null || keep(row))
            {
                rows.Add(row);
            }
        }

        return rows;
    }

    /// <summary>
    /// The steps a filtered report analyses (<c>Rows</c>: those matching <paramref name="filter"/> and <paramref name="where"/>,
    /// oldest first) and the workflows they belong to (<c>Workflows</c>), each holding only its matching steps; a workflow
    /// without one is left out, and so is an inferred chain shorter than <paramref name="minInferredSteps"/> steps in all.
    /// Every filter is applied in SQL. The model filter spares one kind of row: steps without an id header that could chain.
    /// A conversation may change model between turns (a router, a fallback), and prefix chaining links its turns whatever
    /// their model, so those rows are read for every model of the provider only to name each chain as an unfiltered report
    /// (and <c>trace</c>) names it; they are never analysed or counted. Chains never cross providers (nor credentials), so
    /// the provider filter needs no such exception.
    /// </summary>
    /// <param name="where">An extra condition without parameters.</param>
    /// <param name="examines">
    /// When given, a matching step it rejects that belongs to no workflow (<see cref="SessionInferrer.MayBelongToWorkflow"/>)
    /// is counted in <c>Analysed</c> but left out of <c>Rows</c> (the waste report: <see cref="Waste.WasteDetector.Examines"/>).
    /// Such rows (no prompt hash, no workflow: rows written before the fingerprint columns, or requests the proxy could not
    /// fingerprint) were held only to be counted. <c>Analysed</c> counts every step matching the filter either way.
    /// </param>
    public static (List<StepRow> Rows, List<(WorkflowKey Key, List<StepRow> Steps)> Workflows, int Analysed) LoadGrouped(
        SqliteConnection connection, EventFilter filter, TimeSpan chainMaxGap, int minInferredSteps = 0, string? where = null,
        Predicate<StepRow>? examines = null)
    {
        var model = filter.Model;
        var present = PresentColumns(connection);
        if (string.IsNullOrEmpty(model) || !present.Contains("messages_hash"))
        {
            model = null; // every loaded row matches
        }

        var analysed = 0;
        Predicate<StepRow>? keep = examines is null ? null : row =>
        {
            var matches = model is null || string.Equals(row.Model, model, StringComparison.Ordinal);
            analysed += matches ? 1 : 0;
            return SessionInferrer.MayBelongToWorkflow(row) || (matches && examines(row));
        };
        List<StepRow> loaded;
        if (model is null)
        {
            loaded = Load(connection, present, filter, where, [], keep);
        }
        else
        {
            var condition = "model = $p0 OR (" + Chainable + ")";
            loaded = Load(connection, present, filter with { Model = null }, where is null ? condition : "(" + where + ") AND (" + condition + ")", [model], keep);
        }

        var rows = model is null ? loaded : loaded.FindAll(r => string.Equals(r.Model, model, StringComparison.Ordinal));
        var workflows = new List<(WorkflowKey Key, List<StepRow> Steps)>();
        foreach (var (key, steps) in SessionInferrer.Group(loaded, chainMaxGap))
        {
            if (key.Kind == WorkflowKinds.Inferred && steps.Count < minInferredSteps)
            {
                continue;
            }

            var matching = model is null ? steps : steps.FindAll(r => string.Equals(r.Model, model, StringComparison.Ordinal));
            if (matching.Count > 0)
            {
                workflows.Add((key, matching));
            }
        }

        return (rows, workflows, examines is null ? rows.Count : analysed);
    }

    /// <summary>A hash column straight from its UTF-8 text: a hash in the proxy's form never becomes a string.</summary>
    private static Fingerprint Hash(SqliteRowReader reader, int column) =>
        reader.Utf8(column, out var utf8) ? Fingerprint.FromUtf8(utf8) : default;

    private static HashSet<string> PresentColumns(SqliteConnection connection)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM pragma_table_info('prompt_events');";
        using var r = command.ExecuteReader();
        while (r.Read())
        {
            set.Add(r.GetString(0));
        }

        return set;
    }

    /// <summary>Hands out one instance per distinct value; stops remembering new values past a bound.</summary>
    private sealed class StringPool
    {
        private const int MaxEntries = 1 << 16;
        private const int MaxPooledLength = 256;
        private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _byChars;

        public StringPool() => _byChars = _values.GetAlternateLookup<ReadOnlySpan<char>>();

        /// <summary>The column's text (decoded as <see cref="SqliteRowReader.String"/> decodes it), allocated only the first time it is seen.</summary>
        public string? Get(SqliteRowReader reader, int column)
        {
            if (!reader.Utf8(column, out var utf8))
            {
                return null;
            }

            if (utf8.Length > MaxPooledLength)
            {
                return Encoding.UTF8.GetString(utf8);
            }

            Span<char> chars = stackalloc char[MaxPooledLength];
            chars = chars[..Encoding.UTF8.GetChars(utf8, chars)];
            if (_byChars.TryGetValue(chars, out var pooled))
            {
                return pooled;
            }

            var value = new string(chars);
            if (_values.Count < MaxEntries)
            {
                _values.Add(value, value);
            }

            return value;
        }
    }
}
