namespace TokenOps.Insights.Spend;

public static class SeriesBuckets
{
    public const string Hour = "hour";
    public const string Day = "day";
}

/// <summary>Totals of one time bucket (all models).</summary>
public sealed record SeriesBucket
{
    /// <summary>Local yyyy-MM-dd or yyyy-MM-ddTHH:00, the same keys as <c>spend --by day|hour</c>.</summary>
    public required string Key { get; init; }
    public long Requests { get; init; }
    public long CacheHits { get; init; }
    /// <summary>Input tokens of calls that reached the provider (includes cached input, as in <see cref="SpendTotals"/>).</summary>
    public long InputTokens { get; init; }
    public long CachedInputTokens { get; init; }
    public long OutputTokens { get; init; }
    public decimal CostUsd { get; init; }
    public decimal SavedUsd { get; init; }
}

/// <summary>One model's cost per bucket, aligned with <see cref="SpendSeriesReport.Buckets"/>.</summary>
public sealed record ModelSeries
{
    public required string Provider { get; init; }
    /// <summary>Model name, or "(other)" for the models beyond the top N folded together.</summary>
    public required string Model { get; init; }
    public decimal CostUsd { get; init; }
    public required IReadOnlyList<decimal> Cost { get; init; }
}

/// <summary>Spend and tokens over time, stacked by model: the dashboard's spend and tokens views.</summary>
public sealed record SpendSeriesReport
{
    public required DateTimeOffset Since { get; init; }
    public required DateTimeOffset Until { get; init; }
    /// <summary>hour | day.</summary>
    public required string Bucket { get; init; }
    public bool IncludeDemo { get; init; }
    /// <summary>Every bucket of the range, zero-filled, oldest first.</summary>
    public required IReadOnlyList<SeriesBucket> Buckets { get; init; }
    /// <summary>Most expensive first.</summary>
    public required IReadOnlyList<ModelSeries> Models { get; init; }
}
