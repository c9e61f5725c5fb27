using System.Globalization;
using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TokenOps.Core.Pricing;
using TokenOps.Dashboard.Live;
using TokenOps.Insights;
using TokenOps.Insights.Demo;
using TokenOps.Storage;

namespace TokenOps.Dashboard.Tests;

/// <summary>A real SQLite store (schema from the Storage migration), a temp home, and the dashboard on real Kestrel at 127.0.0.1:0.</summary>
internal sealed class DashboardFixture : IAsyncDisposable
{
    public static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    private readonly SqliteConnection _connection;
    private WebApplication? _app;
    private int _next;

    public DashboardFixture()
    {
        SQLitePCL.Batteries_V2.Init();
        Home = Path.Combine(Path.GetTempPath(), "tokenops-dash-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Home);
        StorePath = Path.Combine(Home, "events.db");
        _connection = new SqliteConnection($"Data Source={StorePath};Pooling=False");
        _connection.Open();
        using var command = _connection.CreateCommand();
        command.CommandText = Schema() + "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
        Insights = new InsightsOptions { StorePath = StorePath, TimeZone = TimeZoneInfo.Utc, Time = new FixedTime(Now) };
    }

    public string Home { get; }

    public string StorePath { get; }

    public InsightsOptions Insights { get; }

    public string Token { get; private set; } = "";

    public Uri BaseAddress { get; private set; } = null!;

    public LiveFeedSink Live => _app!.Services.GetRequiredService<LiveFeedSink>();

    public void Add(DateTimeOffset at, string provider = "openai", string model = "gpt-4o", double cost = 0.01, long input = 1000,
        long output = 100, long cached = 0, double latency = 500, double? ttft = 200, bool cacheHit = false, double? saved = null, string source = "proxy")
    {
        using var command = _connection.CreateCommand();
        command.CommandText = """
            INSERT INTO prompt_events (id, ts_ms, source, schema_version, provider, operation, model, response_model, usage_source,
              cache_hit, cost_usd, saved_usd, input_tokens, output_tokens, cached_input_tokens, pricing_status, status_code, latency_ms, ttft_ms)
            VALUES ($id, $ts, $source, '1.0.0', $provider, 'chat', $model, $model, 'provider', $hit, $cost, $saved, $in, $out, $cached,
              'priced', 200, $latency, $ttft)
            """;
        command.Parameters.AddWithValue("$id", "e" + Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$ts", at.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$source", source);
        command.Parameters.AddWithValue("$provider", provider);
        command.Parameters.AddWithValue("$model", model);
        command.Parameters.AddWithValue("$hit", cacheHit ? 1 : 0);
        command.Parameters.AddWithValue("$cost", cost);
        command.Parameters.AddWithValue("$saved", (object?)saved ?? DBNull.Value);
        command.Parameters.AddWithValue("$in", input);
        command.Parameters.AddWithValue("$out", output);
        command.Parameters.AddWithValue("$cached", cached);
        command.Parameters.AddWithValue("$latency", latency);
        command.Parameters.AddWithValue("$ttft", (object?)ttft ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    /// <summary><paramref name="count"/> plain chat events a second apart, ending a minute before <see cref="Now"/> (one INSERT).</summary>
    public void SeedBulk(int count)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = """
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $count - 1)
            INSERT INTO prompt_events (id, ts_ms, source, schema_version, provider, operation, model, response_model, usage_source,
              cache_hit, cost_usd, input_tokens, output_tokens, cached_input_tokens, pricing_status, status_code, latency_ms)
            SELECT printf('bulk-%08d', i), $end - i * 1000, 'proxy', '1.0.0', 'openai', 'chat', 'gpt-4o', 'gpt-4o', 'provider',
              0, 0.001, 500 + i % 100, 50, 0, 'priced', 200, 300 FROM n
            """;
        command.Parameters.AddWithValue("$count", count);
        command.Parameters.AddWithValue("$end", Now.AddMinutes(-1).ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    }

    /// <summary>Two providers, three models, cache hits and demo rows over the last ten days.</summary>
    public void Seed()
    {
        for (var d = 0; d < 10; d++)
        {
            for (var i = 0; i < 6; i++)
            {
                var at = Now.AddDays(-d).AddHours(-i * 3).AddMinutes(-10);
                Add(at, "openai", "gpt-4o", 0.02 + (i * 0.001), 2000, 300, 500, latency: 400 + (i * 100), ttft: 150 + (i * 10));
                Add(at.AddMinutes(7), "anthropic", "claude-sonnet-4-5", 0.05, 3000, 500, 1000, latency: 900 + (i * 50), ttft: 300);
                Add(at.AddMinutes(9), "openai", "gpt-4o-mini", 0.001, 800, 50, 0, latency: 250, ttft: null);
            }

            Add(Now.AddDays(-d).AddMinutes(-30), "openai", "gpt-4o", 0, 0, 0, 0, latency: 3, ttft: 1, cacheHit: true, saved: 0.02);
            Add(Now.AddDays(-d).AddMinutes(-40), "openai", "gpt-4o", 1.0, 5000, 500, source: "demo");
        }
    }

    /// <summary>
    /// <c>tokenops demo</c>'s traffic (source=demo) ending at <see cref="Now"/>, written through the real SQLite sink (which
    /// migrates the store to the latest schema): explicit and inferred workflows, plus the scripted workflows in the last three
    /// hours that trigger every waste rule.
    /// </summary>
    public async Task SeedDemoAsync(int days = 7)
    {
        using var store = SqliteEventStore.Open(new StoreOptions { Path = StorePath, RetentionDays = 0 }, new FixedTime(Now));
        using var sink = store.CreateSink();
        var envelopes = new DemoGenerator(new CostCalculator(RateCard.Embedded)).Generate(days, Now);
        await DemoSeeder.WriteToSinkAsync(envelopes, sink, CancellationToken.None);
    }

    public async Task StartAsync(Action<DashboardOptions>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddTokenOpsDashboard(new DashboardOptions { Home = Home, StorageEnabled = true, LiveHeartbeat = TimeSpan.FromMilliseconds(200) }, Insights);
        _app = builder.Build();
        _app.MapGet("/healthz", static context => context.Response.WriteAsync("ok"));
        _app.UseTokenOpsDashboard();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/");
        Token = File.ReadAllText(Path.Combine(Home, DashboardToken.FileName)).Trim();
    }

    public HttpClient Client(bool authorized = true)
    {
        var client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, UseProxy = false }) { BaseAddress = BaseAddress };
        if (authorized)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _connection.Dispose();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string Schema()
    {
        var storage = Assembly.Load(new AssemblyName("TokenOps.Storage"));
        using var stream = storage.GetManifestResourceStream("TokenOps.Storage.Migrations.0001_initial.sql")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
