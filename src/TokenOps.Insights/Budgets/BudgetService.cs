using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using TokenOps.Core.Pricing;
using TokenOps.Insights.Forecast;
using TokenOps.Insights.Spend;
using TokenOps.Insights.Store;

namespace TokenOps.Insights.Budgets;

/// <summary>Budget status: actual spend in the current window, forecast to the window's end, and the projected breach day.</summary>
public sealed class BudgetService(InsightsOptions options)
{
    public BudgetReport GetReport()
    {
        var now = options.Time.GetUtcNow();
        var statuses = new List<BudgetStatus>(options.Budgets.Count);
        if (options.Budgets.Count > 0)
        {
            using var connection = InsightsStore.OpenReadOnly(options.StorePath);
            foreach (var budget in options.Budgets)
            {
                statuses.Add(Evaluate(connection, budget, now));
            }
        }

        return new BudgetReport { At = now, Budgets = statuses };
    }

    /// <summary>[start, end) of the window containing <paramref name="now"/>, in local days.</summary>
    public static (DateOnly Start, DateOnly End) WindowDays(string window, DateOnly today) => window switch
    {
        BudgetWindows.Daily => (today, today.AddDays(1)),
        BudgetWindows.Weekly => WeekOf(today),
        _ => (new DateOnly(today.Year, today.Month, 1), new DateOnly(today.Year, today.Month, 1).AddMonths(1)),
    };

    /// <summary>True when <paramref name="filter"/> names this model: exact, or the same rate-card row (dated snapshots).</summary>
    public static bool ModelMatches(RateCard rateCard, string filter, string provider, string? model)
    {
        if (model is null)
        {
            return false;
        }

        if (string.Equals(filter, model, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var row = rateCard.Find(provider, model)?.Row;
        return row is not null && string.Equals(row.Model, filter, StringComparison.OrdinalIgnoreCase);
    }

    private BudgetStatus Evaluate(SqliteConnection connection, BudgetConfig budget, DateTimeOffset now)
    {
        var zone = options.TimeZone;
        var today = TimeRange.LocalDate(now, zone);
        var (startDay, endDay) = WindowDays(budget.Window, today);
        var historyStart = today.AddDays(-ForecastService.HistoryWindowDays);
        var from = startDay < historyStart ? startDay : historyStart;
        var daily = DailyCosts(connection, budget, TimeRange.StartOfDay(from, zone), now, zone);

        // History for the forecast: complete days before today, from the first day with spend; gaps are zero.
        var series = new List<DailyCost>();
        for (var d = from; d <= today; d = d.AddDays(1))
        {
            daily.TryGetValue(d, out var v);
            series.Add(new DailyCost { Date = d, CostUsd = v.Cost, Requests = v.Requests });
        }

        var history = ForecastService.History(series, today, out _);
        var horizon = endDay.DayNumber - today.DayNumber;
        var forecast = Forecaster.Run(history, horizon);

        decimal actual = 0, cumulative = 0;
        DateOnly? breach = null;
        for (var d = startDay; d < endDay; d = d.AddDays(1))
        {
            daily.TryGetValue(d, out var v);
            decimal dayValue;
            if (d < today)
            {
                dayValue = v.Cost;
                actual += v.Cost;
            }
            else if (d == today)
            {
                actual += v.Cost;
                dayValue = Math.Max(v.Cost, ForecastService.Usd(forecast.Mean[0]));
            }
            else
            {
                dayValue = ForecastService.Usd(forecast.Mean[d.DayNumber - today.DayNumber]);
            }

            cumulative += dayValue;
            if (breach is null && cumulative >= budget.LimitUsd)
            {
                breach = d;
            }
        }

        var used = budget.LimitUsd > 0 ? (double)(actual / budget.LimitUsd) : 0;
        var state = used >= 1 ? BudgetStates.Exceeded
            : used >= budget.CriticalAt ? BudgetStates.Critical
            : used >= budget.WarnAt ? BudgetStates.Warn
            : BudgetStates.Ok;
        return new BudgetStatus
        {
            Name = budget.Name,
            Window = budget.Window,
            WindowStart = TimeRange.StartOfDay(startDay, zone),
            WindowEnd = TimeRange.StartOfDay(endDay, zone),
            LimitUsd = budget.LimitUsd,
            ActualUsd = actual,
            ForecastUsd = Math.Round(cumulative, 6),
            Used = Math.Round(used, 4),
            State = state,
            ProjectedBreachDate = breach,
            Enforce = budget.Enforce,
            Provider = budget.Provider,
            Model = budget.Model,
            Workflow = budget.Workflow,
            Agent = budget.Agent,
        };
    }

    /// <summary>
    /// Per-local-day cost under the budget's filters. Aggregated in SQL per (provider, model, 15-minute bucket); the model
    /// filter is applied here because it matches through the rate card (snapshots), which SQL cannot.
    /// </summary>
    private Dictionary<DateOnly, (decimal Cost, long Requests)> DailyCosts(SqliteConnection connection, BudgetConfig budget, DateTimeOffset since, DateTimeOffset until, TimeZoneInfo zone)
    {
        var filter = new EventFilter
        {
            Since = since,
            Until = until,
            Provider = budget.Provider,
            Workflow = budget.Workflow,
            Agent = budget.Agent,
            IncludeDemo = false,
        };
        using var command = connection.CreateCommand();
        var sql = new StringBuilder("SELECT provider, model, ts_ms / ")
            .Append(SpendService.BucketMs.ToString(CultureInfo.InvariantCulture))
            .Append(", COALESCE(SUM(cost_usd), 0.0), COUNT(*) FROM prompt_events");
        filter.AppendWhere(sql, command);
        sql.Append(" GROUP BY 1, 2, 3");
        command.CommandText = sql.ToString();
        var days = new Dictionary<DateOnly, (decimal, long)>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (budget.Model is not null && !ModelMatches(options.RateCard, budget.Model, reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)))
            {
                continue;
            }

            var day = TimeRange.LocalDate(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2) * SpendService.BucketMs), zone);
            days.TryGetValue(day, out var acc);
            days[day] = (acc.Item1 + SpendService.Money(reader.GetDouble(3)), acc.Item2 + reader.GetInt64(4));
        }

        return days;
    }

    private static (DateOnly, DateOnly) WeekOf(DateOnly today)
    {
        var offset = ((int)today.DayOfWeek + 6) % 7; // Monday = 0
        var start = today.AddDays(-offset);
        return (start, start.AddDays(7));
    }
}
