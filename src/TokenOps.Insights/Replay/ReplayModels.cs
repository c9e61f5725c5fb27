using TokenOps.Optimizer.Pipeline;

namespace TokenOps.Insights.Replay;

/// <summary>Which stored requests to replay (<c>tokenops replay</c> options). All filters optional.</summary>
public sealed record ReplayQuery
{
    public string? Session { get; init; }
    public string? Workflow { get; init; }
    public string? Agent { get; init; }
    /// <summary>Inclusive lower bound on the request start time.</summary>
    public DateTimeOffset? Since { get; init; }
    /// <summary>Exclusive upper bound.</summary>
    public DateTimeOffset? Until { get; init; }
    /// <summary>Newest N matching requests (replayed oldest first, as they happened).</summary>
    public int Limit { get; init; } = 50;
    /// <summary>Re-send the optimized requests upstream and record the responses (source=replay).</summary>
    public bool Execute { get; init; }
}

/// <summary>Report status values.</summary>
public static class ReplayStatuses
{
    public const string Ok = "ok";
    /// <summary>No stored request matched the filters.</summary>
    public const string NoEvents = "no_events";
    /// <summary>Requests matched, but none had a captured body: nothing to optimize (never reported as zero savings).</summary>
    public const string NoBodies = "no_bodies";
}

/// <summary>The result of a replay: per step and in total.</summary>
public sealed record ReplayReport
{
    public required string Status { get; init; }
    /// <summary>Human explanation (always set for no_events / no_bodies, with how to enable capture).</summary>
    public string? Message { get; init; }
    public int EventsMatched { get; init; }
    public int EventsReplayed { get; init; }
    public int EventsWithoutBodies { get; init; }
    public long TokensBefore { get; init; }
    public long TokensAfter { get; init; }
    public long TokensSaved { get; init; }
    /// <summary>TokensSaved / TokensBefore.</summary>
    public double SavingsRatio { get; init; }
    /// <summary>Estimated cost of the original requests (our token count + recorded output tokens, rate card); null when any is unpriced.</summary>
    public decimal? CostBefore { get; init; }
    /// <summary>Same after the accepted recommendations (prompt-cache reads included).</summary>
    public decimal? CostAfter { get; init; }
    public decimal? UsdSaved { get; init; }
    /// <summary>Dollar savings ratio: UsdSaved / CostBefore.</summary>
    public double? CostSavingsRatio { get; init; }
    /// <summary>Per optimizer kind, best first.</summary>
    public IReadOnlyList<ReplayKindSummary> Kinds { get; init; } = [];
    public IReadOnlyList<ReplayStep> Steps { get; init; } = [];
    /// <summary>OptimizationEvents (decision replay) written to the store.</summary>
    public int OptimizationEventsStored { get; init; }
    /// <summary>Requests re-sent upstream with --execute.</summary>
    public int Executed { get; init; }
}

/// <summary>One optimizer kind over the whole replay.</summary>
public sealed record ReplayKindSummary
{
    public required string Kind { get; init; }
    public int Recommendations { get; init; }
    public int Accepted { get; init; }
    public long TokensSaved { get; init; }
    public decimal? UsdSaved { get; init; }
}

/// <summary>One replayed request.</summary>
public sealed record ReplayStep
{
    public required string EventId { get; init; }
    public DateTimeOffset Timestamp { get; init; }
    public required string Provider { get; init; }
    public string? Model { get; init; }
    public string? ModelAfter { get; init; }
    public string Operation { get; init; } = "";
    /// <summary>Provider-reported input tokens of the original call (for reference).</summary>
    public long? RecordedInputTokens { get; init; }
    public decimal? RecordedCostUsd { get; init; }
    public long TokensBefore { get; init; }
    public long TokensAfter { get; init; }
    public long TokensSaved { get; init; }
    public double SavingsRatio { get; init; }
    public decimal? CostBefore { get; init; }
    public decimal? CostAfter { get; init; }
    public decimal? UsdSaved { get; init; }
    public IReadOnlyList<string> AppliedKinds { get; init; } = [];
    /// <summary>The recommendations of this step, largest saving first.</summary>
    public IReadOnlyList<Recommendation> TopRecommendations { get; init; } = [];
    /// <summary>Why the step was not optimized (no body, unparseable, not a chat request), else null.</summary>
    public string? Skipped { get; init; }
    public ReplayExecution? Execution { get; init; }
}

/// <summary>What the upstream answered to the re-sent optimized request (--execute).</summary>
public sealed record ReplayExecution
{
    public int StatusCode { get; init; }
    public long? InputTokens { get; init; }
    public long? OutputTokens { get; init; }
    public long? CachedInputTokens { get; init; }
    public decimal? CostUsd { get; init; }
    public double LatencyMs { get; init; }
    public string? Error { get; init; }
    /// <summary>Envelope id of the prompt event recorded for this execution (source=replay).</summary>
    public string? EventId { get; init; }
}
