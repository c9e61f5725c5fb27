namespace TokenOps.Insights.Forecast;

public sealed record ForecastPoint
{
    public required DateOnly Date { get; init; }
    public decimal CostUsd { get; init; }
    public decimal Lower80 { get; init; }
    public decimal Upper80 { get; init; }
    public decimal Lower95 { get; init; }
    public decimal Upper95 { get; init; }
}

/// <summary>The <c>tokenops forecast --json</c> document.</summary>
public sealed record ForecastReport
{
    public required DateTimeOffset GeneratedAt { get; init; }
    /// <summary>First and last day of the history used (complete local days; today is not history yet).</summary>
    public DateOnly? HistoryStart { get; init; }
    public DateOnly? HistoryEnd { get; init; }
    public int HistoryDays { get; init; }
    /// <summary>none | mean | holt | holt_damped | holt_winters_weekly | holt_winters_weekly_damped.</summary>
    public required string Method { get; init; }
    public double Alpha { get; init; }
    public double Beta { get; init; }
    public double Gamma { get; init; }
    public double Phi { get; init; }
    /// <summary>Standard deviation of the one-step errors, USD/day.</summary>
    public double SigmaUsd { get; init; }
    /// <summary>One point per day starting today.</summary>
    public required IReadOnlyList<ForecastPoint> Points { get; init; }
    public decimal MonthToDateUsd { get; init; }
    /// <summary>Month-to-date actual + max(today's actual, today's forecast) − today's actual + forecast for the rest of the month.</summary>
    public decimal ProjectedMonthEndUsd { get; init; }
    public bool IncludeDemo { get; init; }
}
