using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using TokenOps.Core.Pricing;
using TokenOps.Insights.Store;
using TokenOps.Insights.Waste;
using TokenOps.Insights.Workflow;

namespace TokenOps.Insights.Tests.Workflow;

/// <summary>
/// <see cref="StepLoader"/> against slow references over random stores: the rows it reads equal what
/// <see cref="SqliteDataReader"/> reads (every column, NULLs, foreign hashes, odd ids and text included), and the waste report,
/// which keeps only the rows its rules use, equals the detector run over every row.
/// </summary>
public sealed class StepLoaderTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Since = Now.AddDays(-3);
    private readonly FixtureStore _store = new();

    public void Dispose() => _store.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Load_RandomStore_SameRowsAsDataReader(int seed)
    {
        RandomStore.Fill(_store.Path_, new Random(seed), rows: 1500, Now);
        using var connection = InsightsStore.OpenReadOnly(_store.Path_);
        var filter = new EventFilter { Since = Since, Until = Now, IncludeDemo = true };

        var expected = ReferenceLoad(connection, filter);
        var actual = StepLoader.Load(connection, filter);

        Assert.True(expected.Count > 1000);
        Assert.Equal(expected.ConvertAll(Describe), actual.ConvertAll(Describe));
    }

    [Theory]
    [InlineData(11, null, null)]
    [InlineData(12, null, null)]
    [InlineData(13, "anthropic", null)]
    [InlineData(14, null, "gpt-4o")]
    [InlineData(15, null, "claude-opus-4-1")]
    [InlineData(16, "openai", "gpt-4o-mini")]
    public void GetReport_RandomStore_SameAsDetectorOverEveryRow(int seed, string? provider, string? model)
    {
        RandomStore.Fill(_store.Path_, new Random(seed), rows: 3000, Now);
        var options = _store.Options(Now);
        var filter = new EventFilter { Since = Since, Until = Now, Provider = provider, Model = model };
        List<StepRow> rows;
        List<(WorkflowKey Key, List<StepRow> Steps)> workflows;
        using (var connection = InsightsStore.OpenReadOnly(_store.Path_))
        {
            (rows, workflows, _) = StepLoader.LoadGrouped(connection, filter, options.Workflow.ChainMaxGap);
        }

        var expected = new WasteDetector(new WasteThresholds(), RateCard.Embedded, options.Workflow).Detect(rows, workflows);
        var report = new WasteService(options).GetReport(Since, Now, provider: provider, model: model);

        Assert.Equal(rows.Count, report.EventsAnalysed);
        Assert.True(expected.Count >= 5, "the random store should trigger findings: " + expected.Count);
        Assert.Equal(Json(expected), Json(report.Findings));
    }

    private static string Json(IReadOnlyList<WasteFinding> findings)
    {
        var report = new WasteReport { Since = Since, Until = Now, Findings = [.. findings] };
        return JsonSerializer.Serialize(report, InsightsJsonContext.Default.WasteReport);
    }

    /// <summary>Every property of the row, as text (doubles round-trip, NULL hashes told from empty ones).</summary>
    private static string Describe(StepRow r) => string.Join('|',
        r.Id, r.Timestamp.ToString("O", CultureInfo.InvariantCulture), r.Source, r.Provider, r.Model, r.Operation, r.CredentialHash,
        r.WorkflowId, r.AgentId, r.SessionId, Text(r.PromptHash), Text(r.MessagesHash), Text(r.ParentMessagesHash), r.MessageCount, r.InputTokens,
        r.OutputTokens, r.CachedInputTokens, r.CacheWriteTokens, r.EstimatedInputTokens, r.LatencyMs.ToString("R", CultureInfo.InvariantCulture),
        r.CostUsd?.ToString(CultureInfo.InvariantCulture), r.CacheHit, r.StatusCode, r.ErrorType, r.ProxyError, r.FinishReason, r.MaxTokens,
        r.ToolCount, r.ToolDefinitionTokens, r.ToolCallCount, Text(r.LastToolCallHash));

    private static string Text(Fingerprint hash) => hash.ToText() ?? "<null>";

    /// <summary>The loader as it was: <see cref="SqliteDataReader"/>, every column, NULL checks per column.</summary>
    private static List<StepRow> ReferenceLoad(SqliteConnection connection, EventFilter filter)
    {
        using var command = connection.CreateCommand();
        var sql = new StringBuilder("""
            SELECT id, ts_ms, source, provider, model, operation, credential_hash, workflow_id, agent_id, session_id, prompt_hash,
              messages_hash, parent_messages_hash, message_count, input_tokens, output_tokens, cached_input_tokens,
              cache_write_input_tokens, estimated_input_tokens, latency_ms, cost_usd, cache_hit, status_code, error_type, proxy_error,
              finish_reason, max_tokens, tool_count, tool_definition_tokens, tool_call_count, last_tool_call_hash FROM prompt_events
            """);
        filter.AppendWhere(sql, command);
        command.CommandText = sql.Append(" ORDER BY ts_ms, id;").ToString();
        var rows = new List<StepRow>();
        using var r = command.ExecuteReader();
        while (r.Read())
        {
            rows.Add(new StepRow
            {
                Id = r.GetString(0),
                Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)),
                Source = r.GetString(2),
                Provider = r.GetString(3),
                Model = Str(r, 4),
                Operation = r.GetString(5),
                CredentialHash = Str(r, 6),
                WorkflowId = Str(r, 7),
                AgentId = Str(r, 8),
                SessionId = Str(r, 9),
                PromptHash = Str(r, 10),
                MessagesHash = Str(r, 11),
                ParentMessagesHash = Str(r, 12),
                MessageCount = r.IsDBNull(13) ? null : r.GetInt32(13),
                InputTokens = r.IsDBNull(14) ? null : r.GetInt64(14),
                OutputTokens = r.IsDBNull(15) ? null : r.GetInt64(15),
                CachedInputTokens = r.IsDBNull(16) ? null : r.GetInt64(16),
                CacheWriteTokens = r.IsDBNull(17) ? null : r.GetInt64(17),
                EstimatedInputTokens = r.IsDBNull(18) ? null : r.GetInt32(18),
                LatencyMs = r.IsDBNull(19) ? 0 : r.GetDouble(19),
                CostUsd = r.IsDBNull(20) ? null : (decimal)r.GetDouble(20),
                CacheHit = !r.IsDBNull(21) && r.GetInt64(21) != 0,
                StatusCode = r.IsDBNull(22) ? 0 : r.GetInt32(22),
                ErrorType = Str(r, 23),
                ProxyError = Str(r, 24),
                FinishReason = Str(r, 25),
                MaxTokens = r.IsDBNull(26) ? null : r.GetInt32(26),
                ToolCount = r.IsDBNull(27) ? null : r.GetInt32(27),
                ToolDefinitionTokens = r.IsDBNull(28) ? null : r.GetInt32(28),
                ToolCallCount = r.IsDBNull(29) ? null : r.GetInt32(29),
                LastToolCallHash = Str(r, 30),
            });
        }

        return rows;
    }

    private static string? Str(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}

/// <summary>
/// Random prompt events that exercise every column the loader reads and every waste rule: workflows, sessions and prefix
/// chains, repeated and failing requests, truncated answers, tool loops and unused tools, oversized and trivial calls, and
/// values outside the proxy's formats (upper-case and odd-length hashes, non-UUID ids, non-ASCII text, NULLs).
/// </summary>
internal static class RandomStore
{
    private static readonly (string Provider, string Model)[] Models =
    [
        ("openai", "gpt-4o"), ("openai", "gpt-4o-mini"), ("openai", "gpt-5"), ("anthropic", "claude-sonnet-4-5"),
        ("anthropic", "claude-opus-4-1"), ("anthropic", "claude-haiku-4-5"), ("gemini", "gemini-2.5-pro"), ("gemini", "modèle-ünbekannt"),
    ];

    public static void Fill(string path, Random random, int rows, DateTimeOffset now)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO prompt_events (id, ts_ms, source, schema_version, provider, operation, model, usage_source, credential_hash,
              workflow_id, agent_id, session_id, prompt_hash, messages_hash, parent_messages_hash, message_count, input_tokens,
              output_tokens, cached_input_tokens, cache_write_input_tokens, estimated_input_tokens, latency_ms, cost_usd, cache_hit,
              status_code, error_type, proxy_error, finish_reason, max_tokens, tool_count, tool_definition_tokens, tool_call_count,
              last_tool_call_hash)
            VALUES ($id, $ts, $source, '1.0.0', $provider, $operation, $model, 'provider', $credential, $workflow, $agent, $session,
              $prompt, $messages, $parent, $count, $in, $out, $cached, $write, $estimated, $latency, $cost, $hit, $status, $error,
              $proxyError, $finish, $max, $tools, $toolTokens, $toolCalls, $toolHash)
            """;
        var parameters = new Dictionary<string, SqliteParameter>(StringComparer.Ordinal);
        foreach (var name in (string[])["id", "ts", "source", "provider", "operation", "model", "credential", "workflow", "agent", "session",
            "prompt", "messages", "parent", "count", "in", "out", "cached", "write", "estimated", "latency", "cost", "hit", "status",
            "error", "proxyError", "finish", "max", "tools", "toolTokens", "toolCalls", "toolHash"])
        {
            parameters[name] = command.Parameters.Add("$" + name, SqliteType.Text);
        }

        void Set(string name, object? value) => parameters[name].Value = value ?? DBNull.Value;

        var start = now.AddDays(-3.5).ToUnixTimeMilliseconds();
        var span = now.AddHours(1).ToUnixTimeMilliseconds() - start; // some rows before the range, some after it
        var chains = new List<(string Provider, string Model, string Credential, string Messages, int Count, long Input)>();
        var prompts = new List<string>();
        for (var i = 0; i < rows; i++)
        {
            var (provider, model) = Models[random.Next(Models.Length)];
            var credential = Pick(random, 0.1, null, Hex(random, 16));
            string? messages = null, parent = null;
            var count = random.Next(1, 4);
            long input = random.Next(10, 5_000);
            var shape = random.Next(10);
            if (shape < 4 && chains.Count > 0)
            {
                // continue a recent chain (same provider and credential), growing its prompt
                var c = random.Next(Math.Max(0, chains.Count - 20), chains.Count);
                (provider, model, credential, parent, count, input) = chains[c];
                model = random.Next(8) == 0 ? Models[random.Next(Models.Length)].Model : model;
                messages = HexOrForeign(random, 32);
                count += 2;
                input = input * random.Next(12, 30) / 10;
                chains[c] = (provider, model, credential!, messages, count, input);
            }
            else if (shape < 7)
            {
                messages = HexOrForeign(random, 32);
                chains.Add((provider, model, credential!, messages, count, input));
            }

            string prompt;
            if (prompts.Count > 0 && random.Next(4) == 0)
            {
                prompt = prompts[random.Next(Math.Max(0, prompts.Count - 10), prompts.Count)];
            }
            else
            {
                prompt = HexOrForeign(random, 64);
                prompts.Add(prompt);
            }

            var failed = random.Next(8) == 0;
            Set("id", random.Next(10) == 0 ? "ev-" + i.ToString(CultureInfo.InvariantCulture) + (random.Next(2) == 0 ? "É" : "") : Guid.NewGuid().ToString());
            Set("ts", start + (long)(span * (double)i / rows));
            Set("source", random.Next(20) == 0 ? "demo" : "proxy");
            Set("provider", provider);
            Set("operation", random.Next(10) == 0 ? "embeddings" : "chat");
            Set("model", random.Next(30) == 0 ? null : model);
            Set("credential", credential);
            Set("workflow", random.Next(10) == 0 ? "wf-" + random.Next(5) : random.Next(50) == 0 ? "" : null);
            Set("agent", Pick(random, 0.6, null, "agent-" + random.Next(3)));
            Set("session", random.Next(12) == 0 ? "sess-" + random.Next(4) : null);
            Set("prompt", random.Next(15) == 0 ? null : prompt);
            Set("messages", messages);
            Set("parent", parent);
            Set("count", Pick<object?>(random, 0.1, null, count));
            Set("in", failed && random.Next(2) == 0 ? null : random.Next(40) == 0 ? random.Next(100_000, 300_000) : input);
            Set("out", failed ? null : random.Next(30) == 0 ? random.Next(10, 90) : (long)random.Next(0, 3_000));
            Set("cached", random.Next(3) == 0 ? null : (long)(random.Next(2) == 0 ? 0 : random.Next(0, (int)Math.Min(input, int.MaxValue))));
            Set("write", Pick<object?>(random, 0.7, null, (long)random.Next(0, 2_000)));
            Set("estimated", Pick<object?>(random, 0.5, null, random.Next(0, 6_000)));
            Set("latency", Pick<object?>(random, 0.05, null, random.NextDouble() * 9_000));
            Set("cost", Pick<object?>(random, 0.1, null, random.NextDouble() * 0.3));
            Set("hit", random.Next(25) == 0 ? 1 : 0);
            Set("status", failed ? (random.Next(2) == 0 ? 429 : 500) : 200);
            Set("error", failed ? Pick(random, 0.2, null, "rate_limit_error") : null);
            Set("proxyError", random.Next(60) == 0 ? "upstream_timeout" : null);
            Set("finish", failed ? null : (string?)(random.Next(7) switch { 0 => "length", 1 => "max_tokens", 2 => "tool_calls", 3 => null, _ => "stop" }));
            Set("max", Pick<object?>(random, 0.5, null, 1024 * random.Next(1, 5)));
            Set("tools", Pick<object?>(random, 0.5, null, random.Next(0, 20)));
            Set("toolTokens", Pick<object?>(random, 0.5, null, random.Next(0, 3_000)));
            Set("toolCalls", Pick<object?>(random, 0.4, null, random.Next(0, 2) * random.Next(0, 4)));
            Set("toolHash", random.Next(3) == 0 ? null : random.Next(2) == 0 ? "loop-" + random.Next(3) : HexOrForeign(random, 32));
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static T Pick<T>(Random random, double pFirst, T first, T second) => random.NextDouble() < pFirst ? first : second;

    private static string Hex(Random random, int digits)
    {
        var bytes = new byte[digits / 2];
        random.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>Mostly the proxy's format (lower-case hex); sometimes upper-case, odd-length, longer or not hex at all.</summary>
    private static string HexOrForeign(Random random, int digits) => random.Next(40) switch
    {
        0 => Hex(random, digits).ToUpperInvariant(),
        1 => Hex(random, digits)[1..],
        2 => Hex(random, digits + 8),
        3 => "sha1:" + Hex(random, 40),
        4 => "",
        _ => Hex(random, digits),
    };
}
