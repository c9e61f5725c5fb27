using TokenOps.Core.Pricing;
using TokenOps.Insights.Budgets;

namespace TokenOps.Insights.Tests.Budgets;

public sealed class BudgetServiceTests
{
    // Friday 2026-11-20 12:00 UTC
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    private static FixtureStore FlatTenPerDay()
    {
        var store = new FixtureStore();
        for (var d = 1; d <= 29; d++)
        {
            store.Add(Now.Date.AddDays(-d).AddHours(10), cost: 10);
        }

        store.Add(Now.AddHours(-1), cost: 4);
        return store;
    }

    [Fact]
    public void GetReport_Monthly_ActualForecastStateAndBreachDate()
    {
        using var store = FlatTenPerDay();
        var budget = new BudgetConfig { Name = "team", Window = BudgetWindows.Monthly, LimitUsd = 250m };

        var status = Assert.Single(new BudgetService(store.Options(Now, budget)).GetReport().Budgets);

        Assert.Equal(194m, status.ActualUsd);
        Assert.Equal(300m, status.ForecastUsd);
        Assert.Equal(BudgetStates.Warn, status.State); // 194 / 250 = 0.776
        Assert.Equal(0.776, status.Used);
        // Nov 1..19 = 190, today counts max(4, 10) = 200, +10/day → 250 on Nov 25
        Assert.Equal(new DateOnly(2026, 11, 25), status.ProjectedBreachDate);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), status.WindowStart);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), status.WindowEnd);
    }

    [Fact]
    public void GetReport_WeeklyMondayBased()
    {
        using var store = FlatTenPerDay();
        var budget = new BudgetConfig { Name = "wk", Window = BudgetWindows.Weekly, LimitUsd = 1000m };

        var status = Assert.Single(new BudgetService(store.Options(Now, budget)).GetReport().Budgets);

        Assert.Equal(new DateTimeOffset(2026, 11, 16, 0, 0, 0, TimeSpan.Zero), status.WindowStart);
        Assert.Equal(44m, status.ActualUsd);   // Mon..Thu 40 + today 4
        Assert.Equal(70m, status.ForecastUsd); // 40 + 10 + Sat 10 + Sun 10
        Assert.Equal(BudgetStates.Ok, status.State);
        Assert.Null(status.ProjectedBreachDate);
    }

    [Theory]
    [InlineData(3.0, BudgetStates.Exceeded)]
    [InlineData(4.1, BudgetStates.Critical)]
    [InlineData(5.0, BudgetStates.Warn)]
    [InlineData(6.0, BudgetStates.Ok)]
    public void GetReport_Daily_StateThresholds(double limit, string expected)
    {
        using var store = FlatTenPerDay();
        var budget = new BudgetConfig { Name = "d", Window = BudgetWindows.Daily, LimitUsd = (decimal)limit };

        var status = Assert.Single(new BudgetService(store.Options(Now, budget)).GetReport().Budgets);

        Assert.Equal(4m, status.ActualUsd);
        Assert.Equal(expected, status.State);
    }

    [Fact]
    public void GetReport_ModelFilter_MatchesSnapshotsNotSiblings()
    {
        using var store = new FixtureStore();
        store.Add(Now.AddHours(-1), model: "gpt-4o-2024-08-06", cost: 1);
        store.Add(Now.AddHours(-1), model: "gpt-4o", cost: 2);
        store.Add(Now.AddHours(-1), model: "gpt-4o-mini", cost: 40);
        store.Add(Now.AddHours(-1), model: "gpt-4o", cost: 80, source: "demo");
        var budget = new BudgetConfig { Name = "4o", Window = BudgetWindows.Daily, LimitUsd = 100m, Model = "gpt-4o" };

        var status = Assert.Single(new BudgetService(store.Options(Now, budget)).GetReport().Budgets);

        Assert.Equal(3m, status.ActualUsd);
    }

    [Fact]
    public void Gate_EnforcedExhaustedBudget_BlocksMatchingRequestsOnly()
    {
        using var store = FlatTenPerDay();
        var budgets = new[]
        {
            new BudgetConfig { Name = "openai-daily", Window = BudgetWindows.Daily, LimitUsd = 3m, Provider = "openai", Enforce = true },
            new BudgetConfig { Name = "soft", Window = BudgetWindows.Daily, LimitUsd = 1m, Provider = "gemini", Enforce = false },
        };
        using var gate = new BudgetGate(store.Options(Now, budgets), startTimer: false);

        Assert.False(gate.TryGetExceeded("openai", "gpt-4o", null, null, out _)); // not refreshed yet
        gate.Refresh();

        Assert.True(gate.TryGetExceeded("openai", "gpt-4o", null, null, out var message));
        Assert.StartsWith("TokenOps budget 'openai-daily' exhausted: $4.00 spent of $3.00 (daily window", message, StringComparison.Ordinal);
        Assert.False(gate.TryGetExceeded("gemini", "gemini-2.5-flash", null, null, out _)); // not enforced
        Assert.False(gate.TryGetExceeded("anthropic", "claude-haiku-4-5", null, null, out _));
        Assert.Null(gate.LastError);
    }

    [Fact]
    public void Gate_NoStore_RecordsErrorAndAllows()
    {
        var options = new InsightsOptions
        {
            StorePath = "/nonexistent/events.db",
            Time = new FixedTime(Now),
            Budgets = [new BudgetConfig { Name = "b", Window = BudgetWindows.Daily, LimitUsd = 1m, Enforce = true }],
        };
        using var gate = new BudgetGate(options, startTimer: false);

        gate.Refresh();

        Assert.NotNull(gate.LastError);
        Assert.False(gate.TryGetExceeded("openai", "gpt-4o", null, null, out _));
    }

    [Fact]
    public void ParseList_ValidJson_AppliesDefaults()
    {
        var errors = new List<string>();

        var budgets = BudgetConfig.ParseList("""
            [ { "name": "monthly", "window": "monthly", "limit_usd": 100, "enforce": true, "workflow": "support-bot" } ]
            """, errors)!;

        Assert.Empty(errors);
        var b = Assert.Single(budgets);
        Assert.Equal((100m, 0.75, 0.95, true, "support-bot"), (b.LimitUsd, b.WarnAt, b.CriticalAt, b.Enforce, b.Workflow));
    }

    [Fact]
    public void ParseList_InvalidEntries_NameIndexAndField()
    {
        var errors = new List<string>();

        var budgets = BudgetConfig.ParseList("""
            [ { "name": "", "window": "yearly", "limit_usd": 0, "warn_at": 0.9, "critical_at": 0.5 } ]
            """, errors);

        Assert.Null(budgets);
        Assert.Equal(
            [
                "budgets[0].name: required",
                "budgets[0].window: 'yearly' must be daily, weekly or monthly",
                "budgets[0].limit_usd: must be greater than 0",
                "budgets[0].critical_at: 0.5 must not be below warn_at 0.9",
            ],
            errors);
    }

    [Fact]
    public void ModelMatches_UsesRateCardRow()
    {
        Assert.True(BudgetService.ModelMatches(RateCard.Embedded, "claude-sonnet-4-5", "anthropic", "claude-sonnet-4-5-20250929"));
        Assert.False(BudgetService.ModelMatches(RateCard.Embedded, "gpt-4o", "openai", "gpt-4o-mini-2024-07-18"));
        Assert.False(BudgetService.ModelMatches(RateCard.Embedded, "gpt-4o", "openai", null));
    }
}
