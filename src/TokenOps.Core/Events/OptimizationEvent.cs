namespace TokenOps.Core.Events;

/// <summary>
/// What an optimizer did (or would have done) to one prompt: applied, rejected, skipped, or a replay
/// measurement. Links back to the prompt event it concerns through <see cref="PromptEventId"/>.
/// </summary>
public sealed class OptimizationEvent
{
    /// <summary>Optimizer name, e.g. prompt_cache_hint, dedupe_context, model_downgrade.</summary>
    public string Kind { get; set; } = "";
    /// <summary>applied | rejected | skipped | replay (see <see cref="OptimizationDecisions"/>).</summary>
    public string Decision { get; set; } = OptimizationDecisions.Skipped;
    /// <summary>Why the decision was taken (human-readable, short).</summary>
    public string? Reason { get; set; }
    public long TokensBefore { get; set; }
    public long TokensAfter { get; set; }
    public long EstimatedTokensSaved { get; set; }
    /// <summary>Null when the model has no price (never a silent $0).</summary>
    public decimal? EstimatedUsdSaved { get; set; }
    /// <summary>Quality score of the optimized output relative to the original, 0..1; null when not measured.</summary>
    public double? Quality { get; set; }
    public string? PromptHash { get; set; }
    /// <summary>Envelope id of the prompt event this optimization concerns.</summary>
    public string? PromptEventId { get; set; }
    public string? Provider { get; set; }
    public string? Model { get; set; }
    public string? WorkflowId { get; set; }
    public string? SessionId { get; set; }
    public string? AgentId { get; set; }
}

public static class OptimizationDecisions
{
    public const string Applied = "applied";
    public const string Rejected = "rejected";
    public const string Skipped = "skipped";
    public const string Replay = "replay";
}
