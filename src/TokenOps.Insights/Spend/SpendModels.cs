namespace TokenOps.Insights.Spend;

/// <summary>What <c>tokenops spend</c> asks for.</summary>
public sealed record SpendQuery
{
    public required Store.EventFilter Filter { get; init; }
    /// <summary>model | provider | day | hour | workflow | agent | session.</summary>
    public string GroupBy { get; init; } = SpendGroupings.Model;
    /// <summary>Top N groups by cost for categorical groupings (time groupings are never cut).</summary>
    public int Top { get; init; } = 10;
}

public static class SpendGroupings
{
    public const string Model = "model";
    public const string Provider = "provider";
    public const string Day = "day";
    public const string Hour = "hour";
    public const string Workflow = "workflow";
    public const string Agent = "agent";
    public const string Session = "session";

    public static readonly IReadOnlyList<string> All = [Model, Provider, Day, Hour, Workflow, Agent, Session];
}

/// <summary>Token and dollar totals. Tokens count only calls that reached the provider (cache hits excluded: they cost nothing).</summary>
public sealed record SpendTotals
{
    public long Requests { get; init; }
    public long CacheHits { get; init; }
    public long Errors { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public long CachedInputTokens { get; init; }
    public long CacheWriteTokens { get; init; }
    public long ReasoningTokens { get; init; }
    public decimal CostUsd { get; init; }
    /// <summary>Dollars the TokenOps response cache saved (original cost of every cache hit).</summary>
    public decimal SavedUsd { get; init; }
    /// <summary>Requests without a cost (unknown model or no usage): their spend is NOT in <see cref="CostUsd"/>.</summary>
    public long UnpricedRequests { get; init; }
}

public sealed record SpendGroup
{
    /// <summary>Model name, provider, yyyy-MM-dd, yyyy-MM-ddTHH:00, workflow/agent/session id, or "(none)".</summary>
    public required string Key { get; init; }
    /// <summary>Set when grouping by model.</summary>
    public string? Provider { get; init; }
    public required SpendTotals Totals { get; init; }
    /// <summary>This group's share of the total cost, 0..1.</summary>
    public double Share { get; init; }
}

public sealed record BurnRate
{
    public required DateTimeOffset Since { get; init; }
    public decimal Last24hUsd { get; init; }
    public decimal UsdPerHour { get; init; }
    public long Requests { get; init; }
}

public sealed record DailyCost
{
    public required DateOnly Date { get; init; }
    public decimal CostUsd { get; init; }
    public decimal SavedUsd { get; init; }
    public long Requests { get; init; }
}

public sealed record UnpricedModel
{
    public required string Provider { get; init; }
    public required string Model { get; init; }
    public long Requests { get; init; }
    public DateTimeOffset LastSeen { get; init; }
}

/// <summary>The <c>tokenops spend --json</c> document.</summary>
public sealed record SpendReport
{
    public required DateTimeOffset Since { get; init; }
    public required DateTimeOffset Until { get; init; }
    public required string GroupBy { get; init; }
    public bool IncludeDemo { get; init; }
    public required SpendTotals Totals { get; init; }
    public required IReadOnlyList<SpendGroup> Groups { get; init; }
    /// <summary>How many groups exist before the top-N cut.</summary>
    public int GroupCount { get; init; }
    public required BurnRate BurnRate { get; init; }
    /// <summary>Every local day of the range, zero-filled.</summary>
    public required IReadOnlyList<DailyCost> Daily { get; init; }
    public required IReadOnlyList<UnpricedModel> Unpriced { get; init; }
}

/// <summary>The <c>tokenops pricing check --json</c> document: models seen in the store that the current rate card cannot price.</summary>
public sealed record PricingCheckReport
{
    public required string RateCardVersion { get; init; }
    public long ModelsSeen { get; init; }
    public required IReadOnlyList<UnpricedModel> Unpriced { get; init; }
}
