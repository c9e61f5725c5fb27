using System.Text.Json;
using TokenOps.Insights.Spend;
using TokenOps.Insights.Store;

namespace TokenOps.Insights.Tests.Spend;

public sealed class SpendServiceTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void GetReport_ByModel_TotalsGroupsAndCacheSavings()
    {
        using var store = new FixtureStore();
        store.Add(Now.AddHours(-1), model: "gpt-4o", cost: 0.5, input: 1000, output: 100, cached: 200);
        store.Add(Now.AddHours(-2), model: "gpt-4o", cost: 0.25, input: 500, output: 50);
        store.Add(Now.AddHours(-3), provider: "anthropic", model: "claude-haiku-4-5", cost: 0.1, input: 300, output: 30);
        // A TokenOps cache hit: costs nothing, saved the original; its tokens are not billed usage.
        store.Add(Now.AddHours(-4), model: "gpt-4o", cost: 0, saved: 0.5, input: 1000, output: 100, cacheHit: true);
        store.Add(Now.AddHours(-5), model: "my-ft", cost: null, pricingStatus: "unpriced", input: 10, output: 10);
        store.Add(Now.AddHours(-6), model: "gpt-4o", cost: 0, status: 500, input: 0, output: 0);
        store.Add(Now.AddDays(-30), model: "gpt-4o", cost: 100); // outside the range

        var report = new SpendService(store.Options(Now)).GetReport(Query(Now.AddDays(-7), Now));

        var t = report.Totals;
        Assert.Equal(6, t.Requests);
        Assert.Equal(1, t.CacheHits);
        Assert.Equal(1, t.Errors);
        Assert.Equal(1000 + 500 + 300 + 10, t.InputTokens);
        Assert.Equal(100 + 50 + 30 + 10, t.OutputTokens);
        Assert.Equal(200, t.CachedInputTokens);
        Assert.Equal(0.85m, t.CostUsd);
        Assert.Equal(0.5m, t.SavedUsd);
        Assert.Equal(1, t.UnpricedRequests);

        Assert.Equal(["gpt-4o", "claude-haiku-4-5", "my-ft"], report.Groups.Select(g => g.Key));
        Assert.Equal(0.75m, report.Groups[0].Totals.CostUsd);
        Assert.Equal(4, report.Groups[0].Totals.Requests);
        Assert.Equal("anthropic", report.Groups[1].Provider);
        Assert.Equal(0.8824, report.Groups[0].Share);
        Assert.Equal(3, report.GroupCount);

        var unpriced = Assert.Single(report.Unpriced);
        Assert.Equal(("openai", "my-ft", 1L), (unpriced.Provider, unpriced.Model, unpriced.Requests));
    }

    [Fact]
    public void GetReport_DemoRows_ExcludedUnlessIncludeDemo()
    {
        using var store = new FixtureStore();
        store.Add(Now.AddHours(-1), cost: 1.0);
        store.Add(Now.AddHours(-1), cost: 2.0, source: "demo");
        var service = new SpendService(store.Options(Now));

        var without = service.GetReport(Query(Now.AddDays(-1), Now));
        var with = service.GetReport(Query(Now.AddDays(-1), Now, includeDemo: true));

        Assert.Equal(1.0m, without.Totals.CostUsd);
        Assert.Equal(3.0m, with.Totals.CostUsd);
        Assert.Equal(1.0m, without.BurnRate.Last24hUsd);
    }

    [Fact]
    public void GetReport_ByDay_ZeroFilledChronological()
    {
        using var store = new FixtureStore();
        store.Add(new DateTimeOffset(2026, 11, 17, 9, 0, 0, TimeSpan.Zero), cost: 1.0);
        store.Add(new DateTimeOffset(2026, 11, 17, 23, 59, 0, TimeSpan.Zero), cost: 0.5);
        store.Add(new DateTimeOffset(2026, 11, 19, 0, 1, 0, TimeSpan.Zero), cost: 2.0);

        var report = new SpendService(store.Options(Now)).GetReport(
            Query(new DateTimeOffset(2026, 11, 16, 0, 0, 0, TimeSpan.Zero), Now, by: SpendGroupings.Day));

        Assert.Equal(["2026-11-17", "2026-11-19"], report.Groups.Select(g => g.Key));
        Assert.Equal(1.5m, report.Groups[0].Totals.CostUsd);
        Assert.Equal(
            [0m, 1.5m, 0m, 2.0m, 0m],
            report.Daily.Select(d => d.CostUsd));
        Assert.Equal(new DateOnly(2026, 11, 16), report.Daily[0].Date);
        Assert.Equal(new DateOnly(2026, 11, 20), report.Daily[^1].Date);
    }

    [Fact]
    public void GetReport_ByDayInAnotherZone_FoldsIntoLocalDays()
    {
        using var store = new FixtureStore();
        // 23:30 UTC on the 17th is the 18th in UTC+02:00.
        store.Add(new DateTimeOffset(2026, 11, 17, 23, 30, 0, TimeSpan.Zero), cost: 1.0);
        var zone = TimeZoneInfo.CreateCustomTimeZone("plus2", TimeSpan.FromHours(2), "plus2", "plus2");
        var options = store.Options(Now) with { TimeZone = zone };

        var report = new SpendService(options).GetReport(Query(Now.AddDays(-7), Now, by: SpendGroupings.Day));

        Assert.Equal("2026-11-18", Assert.Single(report.Groups).Key);
    }

    [Fact]
    public void GetReport_ByWorkflowWithTop_CutsAndCountsGroups()
    {
        using var store = new FixtureStore();
        store.Add(Now.AddHours(-1), cost: 3, workflow: "a");
        store.Add(Now.AddHours(-1), cost: 2, workflow: "b");
        store.Add(Now.AddHours(-1), cost: 1, workflow: "c");
        store.Add(Now.AddHours(-1), cost: 0.5);

        var report = new SpendService(store.Options(Now)).GetReport(Query(Now.AddDays(-1), Now, by: SpendGroupings.Workflow, top: 2));

        Assert.Equal(["a", "b"], report.Groups.Select(g => g.Key));
        Assert.Equal(4, report.GroupCount);
    }

    [Fact]
    public void GetReport_ProviderFilter_OnlyThatProvider()
    {
        using var store = new FixtureStore();
        store.Add(Now.AddHours(-1), provider: "openai", cost: 1);
        store.Add(Now.AddHours(-1), provider: "gemini", model: "gemini-2.5-flash", cost: 2);
        var filter = new EventFilter { Since = Now.AddDays(-1), Until = Now, Provider = "gemini" };

        var report = new SpendService(store.Options(Now)).GetReport(new SpendQuery { Filter = filter, GroupBy = SpendGroupings.Provider });

        Assert.Equal(2m, report.Totals.CostUsd);
        Assert.Equal("gemini", Assert.Single(report.Groups).Key);
    }

    [Fact]
    public void GetReport_BurnRate_IsLast24HoursPerHour()
    {
        using var store = new FixtureStore();
        store.Add(Now.AddHours(-2), cost: 12);
        store.Add(Now.AddHours(-30), cost: 100);

        var report = new SpendService(store.Options(Now)).GetReport(Query(Now.AddDays(-7), Now));

        Assert.Equal(12m, report.BurnRate.Last24hUsd);
        Assert.Equal(0.5m, report.BurnRate.UsdPerHour);
        Assert.Equal(1, report.BurnRate.Requests);
    }

    [Fact]
    public void CheckPricing_ModelsTheCurrentCardCannotPrice()
    {
        using var store = new FixtureStore();
        store.Add(Now.AddDays(-100), model: "gpt-4o-2024-08-06");
        store.Add(Now.AddDays(-1), model: "ft:gpt-4o:acme", cost: null, pricingStatus: "unpriced");
        store.Add(Now.AddDays(-2), model: "ft:gpt-4o:acme", cost: null, pricingStatus: "unpriced", source: "demo");
        store.Add(Now.AddDays(-1), provider: "anthropic", model: "claude-opus-4-9", cost: null, pricingStatus: "unpriced");

        var report = new SpendService(store.Options(Now)).CheckPricing();

        Assert.Equal(3, report.ModelsSeen);
        Assert.Equal(["ft:gpt-4o:acme", "claude-opus-4-9"], report.Unpriced.Select(u => u.Model));
        Assert.Equal(2, report.Unpriced[0].Requests);
    }

    [Fact]
    public void GetReport_NoStore_ThrowsStoreNotFoundWithHint()
    {
        var options = new InsightsOptions { StorePath = "/nonexistent/events.db", Time = new FixedTime(Now) };

        var ex = Assert.Throws<StoreNotFoundException>(() => new SpendService(options).GetReport(Query(Now.AddDays(-1), Now)));

        Assert.Contains("tokenops demo", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_SerializesSnakeCaseViaSourceGeneratedContext()
    {
        using var store = new FixtureStore();
        store.Add(Now.AddHours(-1), cost: 0.123456);

        var report = new SpendService(store.Options(Now)).GetReport(Query(Now.AddDays(-1), Now));
        var json = JsonSerializer.Serialize(report, InsightsJsonContext.Default.SpendReport);

        using var doc = JsonDocument.Parse(json);
        Assert.Equal(0.123456m, doc.RootElement.GetProperty("totals").GetProperty("cost_usd").GetDecimal());
        Assert.Equal("model", doc.RootElement.GetProperty("group_by").GetString());
        Assert.Equal("2026-11-19", doc.RootElement.GetProperty("daily")[0].GetProperty("date").GetString());
    }

    private static SpendQuery Query(DateTimeOffset since, DateTimeOffset until, string by = SpendGroupings.Model, int top = 10, bool includeDemo = false) => new()
    {
        Filter = new EventFilter { Since = since, Until = until, IncludeDemo = includeDemo },
        GroupBy = by,
        Top = top,
    };
}
