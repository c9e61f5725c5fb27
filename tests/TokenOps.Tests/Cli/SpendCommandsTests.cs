using System.Reflection;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using TokenOps.Cli;
using TokenOps.Core.Bus;
using TokenOps.Core.Events;
using TokenOps.Insights;
using TokenOps.Insights.Budgets;

namespace TokenOps.Tests.Cli;

public sealed class SpendCommandsTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tokenops-cli-" + Guid.NewGuid().ToString("N"));
    private readonly string _db;

    public SpendCommandsTests()
    {
        Directory.CreateDirectory(_dir);
        _db = Path.Combine(_dir, "events.db");
        SQLitePCL.Batteries_V2.Init();
        using var c = new SqliteConnection($"Data Source={_db};Pooling=False");
        c.Open();
        using var schema = c.CreateCommand();
        using (var s = Assembly.Load(new AssemblyName("TokenOps.Storage")).GetManifestResourceStream("TokenOps.Storage.Migrations.0001_initial.sql")!)
        using (var r = new StreamReader(s))
        {
            schema.CommandText = r.ReadToEnd();
        }

        schema.ExecuteNonQuery();
        Insert(c, 1, Now.AddDays(-2), "openai", "gpt-4o", 1.5, null, 0, "proxy");
        Insert(c, 2, Now.AddDays(-1), "anthropic", "claude-sonnet-4-5", 0.5, null, 0, "proxy");
        Insert(c, 3, Now.AddHours(-1), "openai", "gpt-4o", 0, 0.25, 1, "proxy");
        Insert(c, 4, Now.AddHours(-1), "openai", "ft:acme", null, null, 0, "proxy");
        Insert(c, 5, Now.AddHours(-1), "openai", "gpt-4o", 99, null, 0, "demo");
    }

    [Fact]
    public void Spend_Text_MatchesSnapshot()
    {
        var (code, output, _) = Invoke(c => c.Spend(since: "3d"));

        Assert.Equal(0, code);
        Assert.Equal("""
            Spend 2026-11-17 12:00 → 2026-11-20 12:00  (by model)

            REQUESTS  INPUT TOK  OUTPUT TOK  CACHED TOK   COST  SAVED BY CACHE  CACHE HITS  ERRORS
                   4      3,000         300           0  $2.00           $0.25           1       0

            MODEL              PROVIDER   REQS  INPUT  OUTPUT  CACHED      COST  SAVED  SHARE
            gpt-4o             openai        2  1,000     100       0     $1.50  $0.25  75.0%
            claude-sonnet-4-5  anthropic     1  1,000     100       0     $0.50  $0.00  25.0%
            ft:acme            openai        1  1,000     100       0  unpriced  $0.00   0.0%

            Burn rate (last 24 h): $0.50  = $0.02/h over 3 requests

            Daily cost  ▁█▃▁
              2026-11-17 Tue                                   $0.00
              2026-11-18 Wed  ████████████████████████████████ $1.50
              2026-11-19 Thu  ███████████                      $0.50
              2026-11-20 Fri                                   $0.00  (saved $0.25)

            Unpriced models (their cost is NOT in the totals; add pricing.overrides rows):
              openai/ft:acme  1 requests, last 2026-11-20 11:00

            """.Replace("\r\n", "\n", StringComparison.Ordinal), output);
    }

    [Fact]
    public void Spend_Json_IsTheInsightsRecordAndExcludesDemo()
    {
        var (code, output, _) = Invoke(c => c.Spend(since: "3d", json: true));
        var (_, withDemo, _) = Invoke(c => c.Spend(since: "3d", json: true, includeDemo: true));

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(2.0m, doc.RootElement.GetProperty("totals").GetProperty("cost_usd").GetDecimal());
        Assert.Equal(0.25m, doc.RootElement.GetProperty("totals").GetProperty("saved_usd").GetDecimal());
        Assert.Equal("ft:acme", doc.RootElement.GetProperty("unpriced")[0].GetProperty("model").GetString());
        using var demo = JsonDocument.Parse(withDemo);
        Assert.Equal(101.0m, demo.RootElement.GetProperty("totals").GetProperty("cost_usd").GetDecimal());
    }

    [Fact]
    public void Spend_BadArguments_ExitOne()
    {
        Assert.Equal(1, Invoke(c => c.Spend(since: "yesterday-ish")).Code);
        Assert.Equal(1, Invoke(c => c.Spend(by: "color")).Code);
    }

    [Fact]
    public void Spend_UnknownProvider_ExitOneNamingTheProviders()
    {
        var (code, output, error) = Invoke(c => c.Spend(provider: "azure"));
        var (forecastCode, _, forecastError) = Invoke(c => c.Forecast(provider: "azure"));

        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Equal("tokenops: --provider must be one of openai|anthropic|gemini, not 'azure'\n", error.ReplaceLineEndings("\n"));
        Assert.Equal(1, forecastCode);
        Assert.Equal(error, forecastError);
    }

    [Fact]
    public void Spend_ProviderInAnyCase_FiltersAsLowerCase()
    {
        var (code, output, _) = Invoke(c => c.Spend(since: "3d", provider: "OpenAI", json: true));

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(3, doc.RootElement.GetProperty("totals").GetProperty("requests").GetInt32());
        Assert.Equal(1.5m, doc.RootElement.GetProperty("totals").GetProperty("cost_usd").GetDecimal());
    }

    [Fact]
    public void Spend_NoStore_ExplainsHowToGetOne()
    {
        var commands = new SpendCommands(new InsightsOptions { StorePath = Path.Combine(_dir, "missing.db"), Time = new Fixed(Now) });
        var error = new StringWriter();
        commands.Error = error;
        commands.Out = new StringWriter();

        Assert.Equal(1, commands.Spend());
        Assert.Contains("storage.enabled=true", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Forecast_TextAndJson()
    {
        var (code, text, _) = Invoke(c => c.Forecast(days: 7));
        var (_, json, _) = Invoke(c => c.Forecast(days: 7, json: true));

        Assert.Equal(0, code);
        Assert.StartsWith("Forecast (mean, 2 days of history 2026-11-18 → 2026-11-19)", text, StringComparison.Ordinal);
        Assert.Contains("Projected month end:", text, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(7, doc.RootElement.GetProperty("points").GetArrayLength());
        Assert.Equal(1.0m, doc.RootElement.GetProperty("points")[0].GetProperty("cost_usd").GetDecimal()); // mean of 1.5 and 0.5
        Assert.Equal(1, Invoke(c => c.Forecast(days: 3)).Code);
    }

    [Fact]
    public void Budget_Text_ShowsStateForecastAndNoBreach()
    {
        var budget = new BudgetConfig { Name = "daily-openai", Window = BudgetWindows.Daily, LimitUsd = 1m, Provider = "openai", Enforce = true };

        var (code, text, _) = Invoke(c => c.Budget(), budget);

        Assert.Equal(0, code);
        var lines = text.Split('\n');
        Assert.Equal("BUDGET        WINDOW  STATE  ACTUAL  LIMIT  USED  FORECAST  BREACH  ENFORCE  FILTER", lines[0]);
        // openai history: $1.50 on the 18th, $0 on the 19th → mean forecast $0.75 for today; no breach of $1.
        Assert.Equal("daily-openai  daily   ok      $0.00  $1.00  0.0%     $0.75       —  yes      provider=openai", lines[1]);
    }

    [Fact]
    public void PricingShow_SnapshotName_ShowsResolvedRow()
    {
        var (code, text, _) = Invoke(c => c.PricingShow("gpt-4o-2024-08-06"));

        Assert.Equal(0, code);
        Assert.Contains("'gpt-4o-2024-08-06' → openai/gpt-4o (snapshot match)", text, StringComparison.Ordinal);
        Assert.Contains("openai    gpt-4o   2.50    1.25         —         —   10.00  —", text, StringComparison.Ordinal);
        Assert.Equal(1, Invoke(c => c.PricingShow("no-such-model")).Code);
    }

    [Fact]
    public void PricingCheck_ListsUnpricedModels()
    {
        var (code, text, _) = Invoke(c => c.PricingCheck());

        Assert.Equal(0, code);
        Assert.Contains("1 of 3 models seen in the store have no price", text, StringComparison.Ordinal);
        Assert.Contains("openai    ft:acme", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_WritesThroughTheSink()
    {
        var sink = new Sink();
        var commands = new SpendCommands(new InsightsOptions { StorePath = _db, Time = new Fixed(Now), OpenStoreWriter = () => sink });
        var output = new StringWriter();
        commands.Out = output;

        var code = await commands.Demo(days: 3, json: true);

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output.ToString());
        Assert.Equal(sink.Count, doc.RootElement.GetProperty("events").GetInt32());
        Assert.True(sink.Count > 100);
        Assert.True(sink.Flushed);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
    }

    private (int Code, string Out, string Err) Invoke(Func<SpendCommands, int> run, params BudgetConfig[] budgets)
    {
        var commands = new SpendCommands(new InsightsOptions { StorePath = _db, TimeZone = TimeZoneInfo.Utc, Time = new Fixed(Now), Budgets = budgets });
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter();
        commands.Out = output;
        commands.Error = error;
        var code = run(commands);
        return (code, output.ToString(), error.ToString());
    }

    private static void Insert(SqliteConnection c, int id, DateTimeOffset at, string provider, string model, double? cost, double? saved, int hit, string source)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            INSERT INTO prompt_events (id, ts_ms, source, schema_version, provider, operation, model, usage_source, cache_hit,
              cost_usd, saved_usd, input_tokens, output_tokens, pricing_status, status_code)
            VALUES ($id, $ts, $source, '1.0.0', $p, 'chat', $m, 'provider', $hit, $cost, $saved, 1000, 100, $ps, 200)
            """;
        cmd.Parameters.AddWithValue("$id", "e" + id);
        cmd.Parameters.AddWithValue("$ts", at.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$source", source);
        cmd.Parameters.AddWithValue("$p", provider);
        cmd.Parameters.AddWithValue("$m", model);
        cmd.Parameters.AddWithValue("$hit", hit);
        cmd.Parameters.AddWithValue("$cost", (object?)cost ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$saved", (object?)saved ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$ps", cost is null ? "unpriced" : "priced");
        cmd.ExecuteNonQuery();
    }

    private sealed class Fixed(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class Sink : IEventSink
    {
        public int Count { get; private set; }

        public bool Flushed { get; private set; }

        public string Name => "test";

        public ValueTask WriteBatchAsync(IReadOnlyList<Envelope> batch, CancellationToken cancellationToken)
        {
            Count += batch.Count;
            return ValueTask.CompletedTask;
        }

        public ValueTask FlushAsync(CancellationToken cancellationToken)
        {
            Flushed = true;
            return ValueTask.CompletedTask;
        }
    }
}
