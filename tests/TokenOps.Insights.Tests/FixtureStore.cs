using System.Reflection;
using System.Text;
using Microsoft.Data.Sqlite;

namespace TokenOps.Insights.Tests;

/// <summary>A real SQLite store in a temp dir, created from the Storage project's embedded migrations, rows inserted directly.</summary>
internal sealed class FixtureStore : IDisposable
{
    private readonly string _dir;
    private readonly SqliteConnection _connection;
    private int _next;

    public FixtureStore()
    {
        SQLitePCL.Batteries_V2.Init();
        _dir = Path.Combine(Path.GetTempPath(), "tokenops-insights-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        Path_ = System.IO.Path.Combine(_dir, "events.db");
        _connection = new SqliteConnection($"Data Source={Path_};Pooling=False");
        _connection.Open();
        using var command = _connection.CreateCommand();
        command.CommandText = Schema();
        command.ExecuteNonQuery();
    }

    public string Path_ { get; }

    /// <summary>Every embedded migration in order (0001 tables, 0002 fingerprint columns, 0003 the report index, 0004 the hash indexes dropped), as the daemon applies them.</summary>
    public static string Schema()
    {
        var storage = Assembly.Load(new AssemblyName("TokenOps.Storage"));
        const string prefix = "TokenOps.Storage.Migrations.";
        var names = storage.GetManifestResourceNames()
            .Where(static n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (names.Count == 0)
        {
            throw new InvalidOperationException("no migrations are embedded in TokenOps.Storage");
        }

        var sql = new StringBuilder();
        foreach (var name in names)
        {
            using var stream = storage.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            sql.AppendLine(reader.ReadToEnd());
        }

        return sql.ToString();
    }

    public void Add(
        DateTimeOffset at,
        string provider = "openai",
        string? model = "gpt-4o",
        double? cost = 0.01,
        long input = 1000,
        long output = 100,
        long cached = 0,
        bool cacheHit = false,
        double? saved = null,
        string source = "proxy",
        string? workflow = null,
        string? agent = null,
        string? session = null,
        int status = 200,
        string? pricingStatus = "priced",
        string? promptHash = null,
        string? messagesHash = null,
        string? parentMessagesHash = null)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = """
            INSERT INTO prompt_events (id, ts_ms, source, schema_version, provider, operation, model, response_model, usage_source,
              cache_hit, cost_usd, saved_usd, input_tokens, output_tokens, cached_input_tokens, pricing_status,
              workflow_id, agent_id, session_id, status_code, prompt_hash, messages_hash, parent_messages_hash)
            VALUES ($id, $ts, $source, '1.0.0', $provider, 'chat', $model, $model, 'provider', $hit, $cost, $saved, $in, $out,
              $cached, $ps, $wf, $agent, $session, $status, $prompt, $messages, $parent)
            """;
        LastId = "e" + Interlocked.Increment(ref _next).ToString(System.Globalization.CultureInfo.InvariantCulture);
        command.Parameters.AddWithValue("$id", LastId);
        command.Parameters.AddWithValue("$ts", at.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$source", source);
        command.Parameters.AddWithValue("$provider", provider);
        command.Parameters.AddWithValue("$model", (object?)model ?? DBNull.Value);
        command.Parameters.AddWithValue("$hit", cacheHit ? 1 : 0);
        command.Parameters.AddWithValue("$cost", (object?)cost ?? DBNull.Value);
        command.Parameters.AddWithValue("$saved", (object?)saved ?? DBNull.Value);
        command.Parameters.AddWithValue("$in", input);
        command.Parameters.AddWithValue("$out", output);
        command.Parameters.AddWithValue("$cached", cached);
        command.Parameters.AddWithValue("$ps", (object?)pricingStatus ?? DBNull.Value);
        command.Parameters.AddWithValue("$wf", (object?)workflow ?? DBNull.Value);
        command.Parameters.AddWithValue("$agent", (object?)agent ?? DBNull.Value);
        command.Parameters.AddWithValue("$session", (object?)session ?? DBNull.Value);
        command.Parameters.AddWithValue("$status", status);
        command.Parameters.AddWithValue("$prompt", (object?)promptHash ?? DBNull.Value);
        command.Parameters.AddWithValue("$messages", (object?)messagesHash ?? DBNull.Value);
        command.Parameters.AddWithValue("$parent", (object?)parentMessagesHash ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    /// <summary>The id of the prompt event <see cref="Add"/> inserted last (e1, e2, …).</summary>
    public string LastId { get; private set; } = "";

    /// <summary>A coaching envelope as the daemon's SQLite sink stores it (events table, the envelope's JSON as payload).</summary>
    public void AddEnvelope(TokenOps.Core.Events.Envelope envelope)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = """
            INSERT INTO events (id, type, ts_ms, source, schema_version, kind, workflow_id, payload)
            VALUES ($id, $type, $ts, $source, '1.0.0', $kind, $wf, $payload)
            """;
        command.Parameters.AddWithValue("$id", envelope.Id);
        command.Parameters.AddWithValue("$type", envelope.Type);
        command.Parameters.AddWithValue("$ts", envelope.Timestamp.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$source", envelope.Source);
        command.Parameters.AddWithValue("$kind", (object?)envelope.Coaching?.Kind ?? DBNull.Value);
        command.Parameters.AddWithValue("$wf", (object?)envelope.Coaching?.WorkflowId ?? DBNull.Value);
        command.Parameters.AddWithValue("$payload", TokenOps.Core.Json.EnvelopeJson.Serialize(envelope));
        command.ExecuteNonQuery();
    }

    public InsightsOptions Options(DateTimeOffset now, params TokenOps.Insights.Budgets.BudgetConfig[] budgets) => new()
    {
        StorePath = Path_,
        TimeZone = TimeZoneInfo.Utc,
        Time = new FixedTime(now),
        Budgets = budgets,
    };

    public void Dispose()
    {
        _connection.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A clock that stands still (tests never sleep).</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
