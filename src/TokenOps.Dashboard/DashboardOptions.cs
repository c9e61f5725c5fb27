namespace TokenOps.Dashboard;

/// <summary>What the dashboard needs from the executable's config.</summary>
public sealed record DashboardOptions
{
    /// <summary>The TokenOps home (<c>TOKENOPS_HOME</c>, default <c>~/.tokenops</c>): the token lives in <c>dashboard.token</c> there.</summary>
    public required string Home { get; init; }

    /// <summary>The daemon's version, shown in the page header.</summary>
    public string Version { get; init; } = "dev";

    /// <summary>True when the daemon writes the store (<c>storage.enabled</c>); shown in the empty state.</summary>
    public bool StorageEnabled { get; init; }

    /// <summary>SSE subscribers at once; more get 503 (each holds a connection and a bounded queue).</summary>
    public int MaxLiveSubscribers { get; init; } = 16;

    /// <summary>Per-subscriber queue: a browser that falls this far behind loses the oldest events (counted), the bus never waits.</summary>
    public int LiveQueueCapacity { get; init; } = 256;

    /// <summary>SSE comment sent when nothing happened for this long, so proxies and browsers keep the stream open.</summary>
    public TimeSpan LiveHeartbeat { get; init; } = TimeSpan.FromSeconds(15);

    public string TokenPath => Path.Combine(Home, DashboardToken.FileName);
}
