namespace TokenOps.Insights.Latency;

/// <summary>Percentiles of one timing metric. Percentiles come from a log-linear histogram (see <see cref="LatencyService"/>): within ±1.6%.</summary>
public sealed record LatencyStats
{
    public long Count { get; init; }
    public double MeanMs { get; init; }
    public double P50Ms { get; init; }
    public double P95Ms { get; init; }
    public double P99Ms { get; init; }
    public double MaxMs { get; init; }
}

public sealed record LatencyGroup
{
    /// <summary>Provider, or "(all)" for the overall row.</summary>
    public required string Provider { get; init; }
    /// <summary>Model, or "(all)" for the overall row.</summary>
    public required string Model { get; init; }
    /// <summary>Total request time (first request byte to last response byte).</summary>
    public required LatencyStats Latency { get; init; }
    /// <summary>Time to first token; null when no request of the group recorded one.</summary>
    public LatencyStats? TimeToFirstToken { get; init; }
}

/// <summary>The <c>tokenops latency --json</c> document (also the dashboard's latency view).</summary>
public sealed record LatencyReport
{
    public required DateTimeOffset Since { get; init; }
    public required DateTimeOffset Until { get; init; }
    public bool IncludeDemo { get; init; }
    /// <summary>Relative error bound of the percentiles (histogram bucket half-width).</summary>
    public double RelativeError { get; init; }
    /// <summary>All groups together (percentiles of the merged histograms).</summary>
    public required LatencyGroup Overall { get; init; }
    /// <summary>One row per provider/model, most requests first.</summary>
    public required IReadOnlyList<LatencyGroup> Groups { get; init; }
}
