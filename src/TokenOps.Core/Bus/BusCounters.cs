namespace TokenOps.Core.Bus;

/// <summary>
/// A snapshot of the bus counters for /readyz, /metrics and <c>tokenops status</c>.
/// <see cref="Published"/> counts envelopes every sink accepted; <see cref="Dropped"/> counts envelopes at
/// least one sink's ring had no room for (or that arrived after shutdown began).
/// </summary>
public sealed record BusCounters
{
    public long Published { get; init; }
    public long Dropped { get; init; }
    public int Capacity { get; init; }
    public IReadOnlyList<SinkCounters> Sinks { get; init; } = [];
}

/// <summary>Per-sink counters. Enqueued = Delivered + Failed + Pending.</summary>
public sealed record SinkCounters
{
    public string Name { get; init; } = "";
    /// <summary>Envelopes this sink's ring accepted.</summary>
    public long Enqueued { get; init; }
    /// <summary>Envelopes this sink's ring had no room for.</summary>
    public long Dropped { get; init; }
    /// <summary>Envelopes in batches the sink wrote without throwing.</summary>
    public long Delivered { get; init; }
    /// <summary>Envelopes in batches the sink threw on (lost for this sink).</summary>
    public long Failed { get; init; }
    /// <summary>Accepted but not yet handed to the sink.</summary>
    public long Pending { get; init; }
    public long Batches { get; init; }
    /// <summary>Exceptions thrown by WriteBatchAsync or FlushAsync.</summary>
    public long Errors { get; init; }
    public string? LastError { get; init; }
}
