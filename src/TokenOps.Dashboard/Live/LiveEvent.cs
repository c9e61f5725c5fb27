namespace TokenOps.Dashboard.Live;

/// <summary>One row of the live feed: a prompt event's headline numbers (never bodies, never credentials).</summary>
public sealed record LiveEvent
{
    public required string Id { get; init; }
    public DateTimeOffset Timestamp { get; init; }
    public required string Source { get; init; }
    public required string Provider { get; init; }
    public string? Model { get; init; }
    public required string Operation { get; init; }
    public bool Stream { get; init; }
    public int StatusCode { get; init; }
    public long? InputTokens { get; init; }
    public long? CachedInputTokens { get; init; }
    public long? OutputTokens { get; init; }
    public decimal? CostUsd { get; init; }
    public double LatencyMs { get; init; }
    public double? TimeToFirstTokenMs { get; init; }
    public bool CacheHit { get; init; }
    public string? WorkflowId { get; init; }
    public string? ProxyError { get; init; }
}
