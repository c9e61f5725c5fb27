namespace TokenOps.Proxy;

/// <summary>Forwarder configuration. Built once by the daemon from <c>providers.*</c> and <c>timeouts.*</c>.</summary>
public sealed record ProxyOptions
{
    /// <summary>Upstream base per provider: keys <c>openai</c>, <c>anthropic</c>, <c>gemini</c>. The base may carry a path.</summary>
    public required IReadOnlyDictionary<string, Uri> Upstreams { get; init; }

    /// <summary>TCP (+TLS) connect timeout for a new upstream connection.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Longest wait for the upstream response headers after the last request activity. Reasoning models
    /// can think for minutes before the first byte, hence the generous default.
    /// </summary>
    public TimeSpan FirstByteTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Longest silence between response body chunks. There is deliberately no total-duration cap.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long an idle pooled upstream connection is kept for reuse.</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Recycle pooled connections after this long so DNS changes are picked up.</summary>
    public TimeSpan PooledConnectionLifetime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Bound on exchanges whose completion (observer → cost stamp → publish) is queued off the request path.
    /// Above it the event is dropped and counted; the request is never slowed.
    /// </summary>
    public int MaxPendingCompletions { get; init; } = 4096;

    /// <summary>
    /// Exchanges are completed off the request path by one metering thread that wakes this long after the first
    /// one finishes and completes everything finished meanwhile (see <c>CompletionPump</c>). Zero queues one
    /// thread-pool work item per exchange instead.
    /// </summary>
    public TimeSpan CompletionDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>When true, <c>MapTokenOpsProxy</c> also maps a JSON 404 fallback for paths nothing else matched.</summary>
    public bool MapNotFoundFallback { get; init; } = true;
}
