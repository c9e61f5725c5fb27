using TokenOps.Insights.Forecast;
using TokenOps.Insights.Spend;

namespace TokenOps.Insights.Tests.Forecast;

public sealed class ForecastServiceTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void GetForecast_FlatTenPerDay_ProjectsMonthEnd()
    {
        using var store = new FixtureStore();
        for (var d = 1; d <= 29; d++)
        {
            store.Add(Now.Date.AddDays(-d).AddHours(10), cost: 10);
        }

        store.Add(Now.AddHours(-1), cost: 4); // today so far

        var report = new ForecastService(store.Options(Now)).GetForecast(7, includeDemo: false);

        Assert.Equal("holt", report.Method);
        Assert.Equal(29, report.HistoryDays);
        Assert.Equal(new DateOnly(2026, 11, 19), report.HistoryEnd);
        Assert.Equal(7, report.Points.Count);
        Assert.Equal(new DateOnly(2026, 11, 20), report.Points[0].Date);
        Assert.All(report.Points, p => Assert.Equal(10m, p.CostUsd));
        Assert.Equal(194m, report.MonthToDateUsd); // 19 × 10 + 4
        // 194 + (10 − 4) for the rest of today + 10 days × 10 (Nov 21..30)
        Assert.Equal(300m, report.ProjectedMonthEndUsd);
    }

    [Fact]
    public void GetForecast_GapsInStore_CountAsZeroDays()
    {
        using var store = new FixtureStore();
        store.Add(Now.AddDays(-10), cost: 7);
        store.Add(Now.AddDays(-5), cost: 7);

        var report = new ForecastService(store.Options(Now)).GetForecast(3, includeDemo: false);

        Assert.Equal(10, report.HistoryDays); // day −10 .. yesterday, 8 of them zero
        Assert.Equal(new DateOnly(2026, 11, 10), report.HistoryStart);
        Assert.All(report.Points, p => Assert.True(p.CostUsd >= 0 && p.CostUsd < 7m));
    }

    [Fact]
    public void History_ZeroFillsFromFirstSpendDayThroughYesterday()
    {
        var today = new DateOnly(2026, 11, 20);
        var series = new List<DailyCost>
        {
            new() { Date = today.AddDays(-4), CostUsd = 0, Requests = 0 },
            new() { Date = today.AddDays(-3), CostUsd = 2, Requests = 1 },
            new() { Date = today.AddDays(-2), CostUsd = 0, Requests = 0 },
            new() { Date = today.AddDays(-1), CostUsd = 3, Requests = 2 },
            new() { Date = today, CostUsd = 9, Requests = 5 },
        };

        var history = ForecastService.History(series, today, out var start);

        Assert.Equal([2.0, 0.0, 3.0], history);
        Assert.Equal(today.AddDays(-3), start);
    }

    [Fact]
    public void GetForecast_DaysOutOfRange_Throws()
    {
        var options = new InsightsOptions { StorePath = "/nonexistent.db" };

        Assert.Throws<ArgumentOutOfRangeException>(() => new ForecastService(options).GetForecast(0, false));
    }
}
