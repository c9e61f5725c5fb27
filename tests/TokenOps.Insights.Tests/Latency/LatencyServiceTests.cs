using System.Globalization;
using Microsoft.Data.Sqlite;
using TokenOps.Insights.Latency;
using TokenOps.Insights.Store;

namespace TokenOps.Insights.Tests.Latency;

public sealed class LatencyServiceTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private readonly FixtureStore _store = new();

    private void Insert(string provider, string model, double latency, double? ttft, bool cacheHit = false, string source = "proxy")
    {
        _store.Add(Now.AddMinutes(-5), provider, model, source: source, cacheHit: cacheHit);
        using var connection = new SqliteConnection($"Data Source={_store.Path_};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE prompt_events SET latency_ms = $l, ttft_ms = $t WHERE rowid = (SELECT MAX(rowid) FROM prompt_events)";
        command.Parameters.AddWithValue("$l", latency);
        command.Parameters.AddWithValue("$t", (object?)ttft ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    private LatencyReport Report(string? model = null) => new LatencyService(_store.Options(Now)).GetReport(
        new EventFilter { Since = Now.AddDays(-1), Until = Now, Model = model });

    [Fact]
    public void GetReport_UniformLatencies_PercentilesWithinTheStatedError()
    {
        for (var v = 1; v <= 1000; v++)
        {
            Insert("openai", "gpt-4o", v * 10.0, v);
        }

        var group = Assert.Single(Report().Groups);

        Assert.Equal(1000, group.Latency.Count);
        Assert.InRange(group.Latency.P50Ms, 5000 * (1 - LatencyService.RelativeError * 2), 5000 * (1 + LatencyService.RelativeError * 2));
        Assert.InRange(group.Latency.P95Ms, 9500 * 0.968, 9500 * 1.032);
        Assert.InRange(group.Latency.P99Ms, 9900 * 0.968, 9900 * 1.032);
        Assert.Equal(10000, group.Latency.MaxMs);
        Assert.Equal(5005, group.Latency.MeanMs);
        Assert.InRange(group.TimeToFirstToken!.P50Ms, 500 * 0.968, 500 * 1.032);
    }

    [Fact]
    public void GetReport_CacheHitsAndMissingTtft_AreExcluded()
    {
        Insert("openai", "gpt-4o", 800, null);
        Insert("openai", "gpt-4o", 900, null);
        Insert("openai", "gpt-4o", 2, 1, cacheHit: true);
        Insert("anthropic", "claude", 1500, 400);

        var report = Report();

        Assert.Equal(2, report.Groups.Count);
        var openai = report.Groups[0];
        Assert.Equal("gpt-4o", openai.Model);
        Assert.Equal(2, openai.Latency.Count);
        Assert.Null(openai.TimeToFirstToken);
        Assert.Equal(3, report.Overall.Latency.Count);
        Assert.Equal(1, report.Overall.TimeToFirstToken!.Count);
        Assert.Equal(1500, report.Overall.Latency.MaxMs);
    }

    [Fact]
    public void GetReport_ModelFilter_OnlyThatModel()
    {
        Insert("openai", "gpt-4o", 800, 100);
        Insert("openai", "gpt-4o-mini", 200, 50);

        var report = Report("gpt-4o-mini");

        Assert.Equal("gpt-4o-mini", Assert.Single(report.Groups).Model);
        Assert.Equal(200, report.Overall.Latency.P50Ms); // bucket midpoint 202, capped at the true maximum
    }

    [Theory]
    [InlineData(0)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(127)]
    [InlineData(1000)]
    [InlineData(65_537)]
    [InlineData(3_600_000)]
    public void BucketExpression_AgreesWithBucketWidth(long value)
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT " + LatencyService.BuildBucketExpression().Replace("$v", value.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var lower = (long)command.ExecuteScalar()!;

        Assert.InRange(value, lower, lower + LatencyService.BucketWidth(lower) - 1);
        Assert.True(LatencyService.BucketWidth(lower) <= Math.Max(1, lower / 32.0));
    }

    public void Dispose() => _store.Dispose();
}
