using System.Security.Cryptography;
using System.Text;
using TokenOps.Core.Events;

namespace TokenOps.Insights.Waste;

/// <summary>One waste finding: the report row of <c>tokenops waste --json</c> and, as a <see cref="CoachingEvent"/>, what the daemon stores.</summary>
public sealed record WasteFinding
{
    /// <summary>Deterministic from kind + evidence (<see cref="IdFor"/>): the same finding found twice is stored once.</summary>
    public required string Id { get; init; }
    /// <summary>Rule kind, see <see cref="WasteKinds"/>.</summary>
    public required string Kind { get; init; }
    public string Severity { get; init; } = CoachingSeverities.Warning;
    public required string Summary { get; init; }
    public string? Details { get; init; }
    /// <summary>The recommended fix.</summary>
    public string? Fix { get; init; }
    public required IReadOnlyList<string> EvidenceEventIds { get; init; }
    public long EstimatedTokensSaved { get; init; }
    public decimal EstimatedUsdSaved { get; init; }
    public string? WorkflowId { get; init; }
    public string? Provider { get; init; }
    public string? Model { get; init; }
    /// <summary>Time of the latest evidence event.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>A UUID-shaped id from sha256(kind | sorted evidence ids).</summary>
    public static string IdFor(string kind, IReadOnlyList<string> evidence)
    {
        var sorted = new List<string>(evidence);
        sorted.Sort(StringComparer.Ordinal);
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(kind + "|" + string.Join(",", sorted)));
        digest[6] = (byte)(0x80 | (digest[6] & 0x0F)); // version 8: custom
        digest[8] = (byte)(0x80 | (digest[8] & 0x3F)); // RFC 9562 variant
        return new Guid(digest.AsSpan(0, 16), bigEndian: true).ToString();
    }

    /// <summary>The stored form. The fix travels in <see cref="CoachingEvent.Details"/> after a "Fix: " line.</summary>
    public Envelope ToEnvelope() => new()
    {
        Id = Id,
        Type = EventTypes.Coaching,
        Timestamp = Timestamp,
        Source = EventSources.Daemon,
        Attributes = Provider is null ? null : Model is null
            ? new Dictionary<string, string> { ["provider"] = Provider }
            : new Dictionary<string, string> { ["provider"] = Provider, ["model"] = Model },
        Coaching = new CoachingEvent
        {
            Kind = Kind,
            Severity = Severity,
            Summary = Summary,
            Details = Fix is null ? Details : (Details is null ? "" : Details + "\n") + FixPrefix + Fix,
            EvidenceEventIds = [.. EvidenceEventIds],
            EstimatedTokensSaved = EstimatedTokensSaved,
            EstimatedUsdSaved = EstimatedUsdSaved,
            WorkflowId = WorkflowId,
        },
    };

    /// <summary>Back from a stored coaching envelope.</summary>
    public static WasteFinding? FromEnvelope(Envelope envelope)
    {
        if (envelope.Coaching is not { } c)
        {
            return null;
        }

        string? details = c.Details, fix = null;
        var at = details?.IndexOf(FixPrefix, StringComparison.Ordinal) ?? -1;
        if (details is not null && at >= 0)
        {
            fix = details[(at + FixPrefix.Length)..];
            details = at == 0 ? null : details[..(at - 1)];
        }

        string? provider = null, model = null;
        envelope.Attributes?.TryGetValue("provider", out provider);
        envelope.Attributes?.TryGetValue("model", out model);
        return new WasteFinding
        {
            Id = envelope.Id,
            Kind = c.Kind,
            Severity = c.Severity,
            Summary = c.Summary,
            Details = details,
            Fix = fix,
            EvidenceEventIds = c.EvidenceEventIds ?? [],
            EstimatedTokensSaved = c.EstimatedTokensSaved ?? 0,
            EstimatedUsdSaved = c.EstimatedUsdSaved ?? 0,
            WorkflowId = c.WorkflowId,
            Provider = provider,
            Model = model,
            Timestamp = envelope.Timestamp,
        };
    }

    private const string FixPrefix = "Fix: ";
}

/// <summary>The finding kinds (one rule each, in Waste/*Rule.cs).</summary>
public static class WasteKinds
{
    public const string RepeatedRequest = "repeated_request";
    public const string RetryStorm = "retry_storm";
    public const string OversizedContext = "oversized_context";
    public const string RunawayContextGrowth = "runaway_context_growth";
    public const string AgentLoop = "agent_loop";
    public const string PromptCacheMissed = "prompt_cache_missed";
    public const string OutputTruncated = "output_truncated";
    public const string ExpensiveModelTrivial = "expensive_model_trivial";
    public const string UnusedTools = "unused_tools";
}
