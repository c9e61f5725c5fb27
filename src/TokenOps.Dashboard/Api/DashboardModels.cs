namespace TokenOps.Dashboard.Api;

public sealed record ProviderModel
{
    public required string Provider { get; init; }
    public required string Model { get; init; }
}

/// <summary>What the page needs before it draws: whether there is data at all, and the filter choices.</summary>
public sealed record DashboardMeta
{
    public required string Version { get; init; }
    public required string StorePath { get; init; }
    public bool StoreExists { get; init; }
    public bool StorageEnabled { get; init; }
    /// <summary>Events recorded by the proxy (or replay), i.e. not <c>tokenops demo</c>.</summary>
    public bool HasRealEvents { get; init; }
    /// <summary>Events written by <c>tokenops demo</c>; only looked up when there are no real events (otherwise false).</summary>
    public bool HasDemoEvents { get; init; }
    /// <summary>Every provider/model pair in the store, ordered by provider then model.</summary>
    public required IReadOnlyList<ProviderModel> Models { get; init; }
    public int BudgetsConfigured { get; init; }
    /// <summary>Views whose Insights functions are not in this build (the page shows a notice instead of numbers). Empty in this build.</summary>
    public required IReadOnlyList<string> Unavailable { get; init; }
    /// <summary>The env lines that point each SDK at this daemon (shown by the empty state).</summary>
    public required IReadOnlyList<string> SetupLines { get; init; }
}

public sealed record ApiError
{
    public required string Error { get; init; }
    public required string Message { get; init; }
}
