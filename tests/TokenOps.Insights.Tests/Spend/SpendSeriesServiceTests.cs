using System.Text.Json;
using Microsoft.Data.Sqlite;
using TokenOps.Insights.Spend;
using TokenOps.Insights.Store;

namespace TokenOps.Insights.Tests.Spend;

public sealed class SpendSeriesServiceTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private readonly FixtureStore _store = new();

    /// <summary>
    /// The series reads the covering report index in its key order (provider, model, bucket); the report must be the one the
    /// plain time-range scan gives, null models and a stored "(unknown)" folded into one series either way.
    /// </summary>
    [Theory]
    [InlineData(SeriesBuckets.Day, 7)]
    [InlineData(SeriesBuckets.Hour, 1)]
    public void GetSeries_WithAndWithoutTheReportIndex_SameReport(string bucket, int days)
    {
        var random = new Random(11);
        var models = new (string Provider, string? Model)[] { ("openai", "gpt-4o"), ("openai", null), ("openai", "(unknown)"), ("anthropic", "claude"), ("gemini", "flash") };
        for (var i = 0; i < 400; i++)
        {
            var (provider, model) = models[random.Next(models.Length)];
            _store.Add(Now.AddMinutes(-random.Next(days * 24 * 60)), provider, model, cost: Math.Round(random.NextDouble() / 10, 6),
                input: random.Next(100, 5000), output: random.Next(10, 500), cacheHit: random.Next(8) == 0, saved: random.Next(8) == 0 ? 0.01 : null,
                source: random.Next(10) == 0 ? "demo" : "proxy");
        }

        var filter = new EventFilter { Since = Now.AddDays(-days), Until = Now };
        var service = new SpendSeriesService(_store.Options(Now));
        var withIndex = service.GetSeries(filter, bucket);
        Execute("DROP INDEX ix_prompt_events_report");
        var withoutIndex = service.GetSeries(filter, bucket);

        Assert.Equal(Json(withoutIndex), Json(withIndex));
        Assert.Single(withIndex.Models, static m => m.Provider == "openai" && m.Model == "(unknown)");
        Assert.True(withIndex.Buckets.Sum(static b => b.Requests) > 300);
    }

    private static string Json(SpendSeriesReport report) => JsonSerializer.Serialize(report, InsightsJsonContext.Default.SpendSeriesReport);

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={_store.Path_};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose() => _store.Dispose();
}
