namespace TokenOps.Insights.Workflow;

/// <summary>The <c>tokenops workflows --json</c> document (MCP and dashboard: same record).</summary>
public sealed record WorkflowListReport
{
    public required DateTimeOffset Since { get; init; }
    public required DateTimeOffset Until { get; init; }
    public bool IncludeDemo { get; init; }
    /// <summary>Workflows in the range, most expensive first (at most <c>top</c>).</summary>
    public required IReadOnlyList<WorkflowSummary> Workflows { get; init; }
    /// <summary>All workflows found in the range (before the top cut).</summary>
    public int WorkflowCount { get; init; }
}

/// <summary>One workflow's totals.</summary>
public sealed record WorkflowSummary
{
    public required string Id { get; init; }
    /// <summary>workflow | session | inferred (see <see cref="WorkflowKinds"/>).</summary>
    public required string Kind { get; init; }
    public required string Provider { get; init; }
    public IReadOnlyList<string> Models { get; init; } = [];
    public IReadOnlyList<string> Agents { get; init; } = [];
    public int Steps { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public long CachedInputTokens { get; init; }
    /// <summary>Sum of priced steps; null when no step could be priced.</summary>
    public decimal? CostUsd { get; init; }
    public int Errors { get; init; }
    public int CacheHits { get; init; }
    /// <summary>Largest prompt (input tokens) of any step.</summary>
    public long PeakContextTokens { get; init; }
    public DateTimeOffset FirstTimestamp { get; init; }
    public DateTimeOffset LastTimestamp { get; init; }
    public double DurationMs { get; init; }
}

/// <summary>The <c>tokenops trace &lt;id&gt; --json</c> document.</summary>
public sealed record WorkflowTrace
{
    public required WorkflowSummary Summary { get; init; }
    public required IReadOnlyList<TraceStep> Steps { get; init; }
    /// <summary>Input tokens of the last step minus the first's.</summary>
    public long ContextGrowthTokens { get; init; }
    /// <summary>Last step's input tokens / first step's (1 = flat); null when the first step has no input count.</summary>
    public double? ContextGrowthFactor { get; init; }
    public double TotalLatencyMs { get; init; }
}

/// <summary>One step of a trace.</summary>
public sealed record TraceStep
{
    /// <summary>1-based position in the workflow.</summary>
    public int Index { get; init; }
    public required string EventId { get; init; }
    public DateTimeOffset Timestamp { get; init; }
    /// <summary>Milliseconds since the workflow's first step.</summary>
    public double OffsetMs { get; init; }
    public required string Provider { get; init; }
    public string? Model { get; init; }
    public string? AgentId { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public long CachedInputTokens { get; init; }
    /// <summary>Input tokens minus the previous step's (null for the first step).</summary>
    public long? ContextDelta { get; init; }
    public double LatencyMs { get; init; }
    public decimal? CostUsd { get; init; }
    /// <summary>Answered from the TokenOps response cache (provider not called).</summary>
    public bool CacheHit { get; init; }
    public int StatusCode { get; init; }
    public string? FinishReason { get; init; }
    public string? Error { get; init; }
}
