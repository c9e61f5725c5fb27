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

    [Fact]
    public void GetReport_ManyPairs_MatchesExactStatisticsOfTheRawValues()
    {
        // Six pairs (a null model and a stored "(unknown)" are one group), values over five decades, some without TTFT,
        // some cache hits and demo rows that must not count.
        var random = new Random(7);
        var pairs = new (string Provider, string? Model)[] { ("openai", "gpt-4o"), ("openai", "o4-mini"), ("anthropic", "claude"), ("gemini", null), ("gemini", "(unknown)"), ("gemini", "flash") };
        var expected = new Dictionary<(string, string), (List<double> Latency, List<double> Ttft)>();
        for (var i = 0; i < 600; i++)
        {
            var (provider, model) = pairs[random.Next(pairs.Length)];
            var latency = Math.Round(Math.Pow(10, random.NextDouble() * 5), 2);
            double? ttft = random.Next(3) == 0 ? null : Math.Round(latency * random.NextDouble(), 2);
            var hit = random.Next(10) == 0;
            var demo = random.Next(10) == 0;
            Insert(provider, model!, latency, ttft, cacheHit: hit, source: demo ? "demo" : "proxy");
            if (!hit && !demo)
            {
                var key = (provider, model ?? "(unknown)");
                if (!expected.TryGetValue(key, out var lists))
                {
                    expected[key] = lists = ([], []);
                }

                lists.Latency.Add(latency);
                if (ttft is { } t)
                {
                    lists.Ttft.Add(t);
                }
            }
        }

        var report = Report();

        Assert.Equal(5, report.Groups.Count);
        foreach (var group in report.Groups)
        {
            var (latency, ttft) = expected[(group.Provider, group.Model)];
            AssertStats(latency, group.Latency);
            AssertStats(ttft, group.TimeToFirstToken!);
        }

        AssertStats(expected.Values.SelectMany(v => v.Latency).ToList(), report.Overall.Latency);
        AssertStats(expected.Values.SelectMany(v => v.Ttft).ToList(), report.Overall.TimeToFirstToken!);
    }

    [Fact]
    public void GetReport_MorePairsThanTheCatalogHolds_CountsEveryRowInItsOwnGroup()
    {
        var models = ProviderModelCatalog.MaxPairs + 12;
        for (var i = 0; i < models; i++)
        {
            Insert("openai", "m" + i.ToString("D4", CultureInfo.InvariantCulture), 100 + i, null);
        }

        Insert("openai", "m0007", 50, 10);

        var report = Report();

        Assert.Equal(models, report.Groups.Count);
        Assert.Equal(models + 1, report.Overall.Latency.Count);
        Assert.Equal(2, report.Groups[0].Latency.Count);
        Assert.Equal("m0007", report.Groups[0].Model);
        Assert.All(report.Groups.Skip(1), g => Assert.Equal(1, g.Latency.Count));
        var last = report.Groups.Single(g => g.Model == "m" + (models - 1).ToString("D4", CultureInfo.InvariantCulture));
        Assert.Equal(100 + models - 1, last.Latency.MaxMs); // a pair past the catalog's bound, found by its strings
    }

    /// <summary>Count, mean and max exact; percentiles within the bucket's half width of the exact nearest rank.</summary>
    private static void AssertStats(List<double> values, LatencyStats stats)
    {
        values.Sort();
        Assert.Equal(values.Count, stats.Count);
        Assert.Equal(Math.Round(values.Average(), 1), stats.MeanMs);
        Assert.Equal(Math.Round(values[^1], 1), stats.MaxMs);
        foreach (var (p, actual) in new[] { (0.50, stats.P50Ms), (0.95, stats.P95Ms), (0.99, stats.P99Ms) })
        {
            var exact = values[(int)Math.Ceiling(p * values.Count) - 1];
            var lower = LatencyService.BucketOf(exact);
            Assert.InRange(actual, Math.Min(lower, exact) - 0.05, Math.Min(lower + LatencyService.BucketWidth(lower), values[^1]) + 0.05);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(0.99)]
    [InlineData(63)]
    [InlineData(63.9)]
    [InlineData(64)]
    [InlineData(127)]
    [InlineData(1000)]
    [InlineData(65_537.5)]
    [InlineData(3_600_000)]
    public void BucketOf_HoldsTheTruncatedValue_InABucketAtMostA32ndWide(double value)
    {
        var lower = LatencyService.BucketOf(value);

        Assert.InRange((long)value, lower, lower + LatencyService.BucketWidth(lower) - 1);
        Assert.True(LatencyService.BucketWidth(lower) <= Math.Max(1, lower / 32.0));
    }

    public void Dispose() => _store.Dispose();
}
