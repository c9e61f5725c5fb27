using TokenOps.Insights.Spend;
using TokenOps.Insights.Store;

namespace TokenOps.Insights.Forecast;

/// <summary>Builds the daily history from the store (missing days are zero, not skipped) and runs <see cref="Forecaster"/>.</summary>
public sealed class ForecastService(InsightsOptions options)
{
    /// <summary>How far back the history reaches.</summary>
    public const int HistoryWindowDays = 90;

    public ForecastReport GetForecast(int days, bool includeDemo, string? provider = null, string? model = null)
    {
        if (days is < 1 or > 366)
        {
            throw new ArgumentOutOfRangeException(nameof(days), days, "--days must be between 1 and 366");
        }

        var now = options.Time.GetUtcNow();
        var today = TimeRange.LocalDate(now, options.TimeZone);
        var filter = new EventFilter
        {
            Since = TimeRange.StartOfDay(today.AddDays(-HistoryWindowDays), options.TimeZone),
            Until = now,
            IncludeDemo = includeDemo,
            Provider = provider,
            Model = model,
        };
        var series = new SpendService(options).GetDaily(filter);
        var monthStart = new DateOnly(today.Year, today.Month, 1);
        var daysLeftInMonth = monthStart.AddMonths(1).DayNumber - today.DayNumber; // today .. month end, inclusive
        var horizon = Math.Max(days, daysLeftInMonth);
        var history = History(series, today, out var historyStart);
        var result = Forecaster.Run(history, horizon);

        decimal monthToDate = 0, todayActual = 0;
        foreach (var d in series)
        {
            if (d.Date >= monthStart)
            {
                monthToDate += d.CostUsd;
            }

            if (d.Date == today)
            {
                todayActual = d.CostUsd;
            }
        }

        var projected = monthToDate + Math.Max(0m, Usd(result.Mean.Length > 0 ? result.Mean[0] : 0) - todayActual);
        for (var h = 1; h < daysLeftInMonth; h++)
        {
            projected += Usd(result.Mean[h]);
        }

        var points = new List<ForecastPoint>(days);
        for (var h = 0; h < days; h++)
        {
            points.Add(new ForecastPoint
            {
                Date = today.AddDays(h),
                CostUsd = Usd(result.Mean[h]),
                Lower80 = Usd(result.Lower80[h]),
                Upper80 = Usd(result.Upper80[h]),
                Lower95 = Usd(result.Lower95[h]),
                Upper95 = Usd(result.Upper95[h]),
            });
        }

        return new ForecastReport
        {
            GeneratedAt = now,
            HistoryStart = history.Length > 0 ? historyStart : null,
            HistoryEnd = history.Length > 0 ? today.AddDays(-1) : null,
            HistoryDays = history.Length,
            Method = result.Method,
            Alpha = result.Alpha,
            Beta = result.Beta,
            Gamma = result.Gamma,
            Phi = result.Phi,
            SigmaUsd = Math.Round(result.Sigma, 6),
            Points = points,
            MonthToDateUsd = monthToDate,
            ProjectedMonthEndUsd = Math.Round(projected, 6),
            IncludeDemo = includeDemo,
        };
    }

    /// <summary>Complete days from the first day with any event through yesterday; gaps are zero.</summary>
    internal static double[] History(IReadOnlyList<DailyCost> series, DateOnly today, out DateOnly start)
    {
        start = today;
        var first = -1;
        var last = -1;
        for (var i = 0; i < series.Count; i++)
        {
            if (series[i].Date >= today)
            {
                break;
            }

            last = i;
            if (first < 0 && series[i].Requests > 0)
            {
                first = i;
            }
        }

        if (first < 0)
        {
            return [];
        }

        start = series[first].Date;
        var history = new double[last - first + 1];
        for (var i = first; i <= last; i++)
        {
            history[i - first] = (double)series[i].CostUsd;
        }

        return history;
    }

    internal static decimal Usd(double value) => Math.Round((decimal)Math.Max(0, value), 6);
}
