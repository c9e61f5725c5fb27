namespace TokenOps.Core.Events;

/// <summary>
/// The state of one workflow (all prompt events sharing an X-TokenOps-Workflow-Id), with running totals.
/// Emitted on start, on progress, and when the workflow completes or fails.
/// </summary>
public sealed class WorkflowEvent
{
    public string WorkflowId { get; set; } = "";
    /// <summary>started | progress | completed | failed (see <see cref="WorkflowStates"/>).</summary>
    public string State { get; set; } = WorkflowStates.Started;
    /// <summary>Prompt events seen so far in this workflow.</summary>
    public int StepCount { get; set; }
    /// <summary>Sum of normalised input tokens (cached and cache-write tokens included, see <see cref="PromptEvent"/>).</summary>
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public long CachedInputTokens { get; set; }
    /// <summary>Sum of priced steps; null when no step could be priced.</summary>
    public decimal? CostUsd { get; set; }
    /// <summary>Timestamp of the first step.</summary>
    public DateTimeOffset FirstTimestamp { get; set; }
    /// <summary>Timestamp of the latest step.</summary>
    public DateTimeOffset LastTimestamp { get; set; }
    public string? AgentId { get; set; }
    public string? SessionId { get; set; }
}

public static class WorkflowStates
{
    public const string Started = "started";
    public const string Progress = "progress";
    public const string Completed = "completed";
    public const string Failed = "failed";
}
