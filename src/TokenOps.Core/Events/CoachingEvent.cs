namespace TokenOps.Core.Events;

/// <summary>
/// A finding from the coaching/waste analysis: what was seen, how bad it is, the events that prove it,
/// and what fixing it would save.
/// </summary>
public sealed class CoachingEvent
{
    /// <summary>Finding kind, e.g. repeated_context, oversized_model, missing_prompt_cache.</summary>
    public string Kind { get; set; } = "";
    /// <summary>info | warning | critical (see <see cref="CoachingSeverities"/>).</summary>
    public string Severity { get; set; } = CoachingSeverities.Info;
    /// <summary>One line for tables and notifications.</summary>
    public string Summary { get; set; } = "";
    /// <summary>Longer explanation and the suggested fix.</summary>
    public string? Details { get; set; }
    /// <summary>Envelope ids of the events the finding is based on.</summary>
    public List<string>? EvidenceEventIds { get; set; }
    public long? EstimatedTokensSaved { get; set; }
    public decimal? EstimatedUsdSaved { get; set; }
    public string? WorkflowId { get; set; }
}

public static class CoachingSeverities
{
    public const string Info = "info";
    public const string Warning = "warning";
    public const string Critical = "critical";
}
