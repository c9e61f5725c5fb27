using TokenOps.Insights.Waste;
using TokenOps.Insights.Workflow;

namespace TokenOps.Insights.Coaching;

/// <summary>Settings of the daemon's coaching pipeline (config section <c>coaching.*</c>, see docs/workflows.md).</summary>
public sealed record CoachingOptions
{
    /// <summary><c>coaching.enabled</c> (default true): track workflows and detect waste in the daemon.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary><c>coaching.interval</c>: how often the detector sweeps the store.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary><c>coaching.lookback</c>: how far back each sweep looks.</summary>
    public TimeSpan SweepLookback { get; init; } = TimeSpan.FromDays(1);

    /// <summary><c>coaching.queue</c>: bound of the analysis queue; a full queue drops (and counts) new work, it never blocks.</summary>
    public int QueueCapacity { get; init; } = 256;

    /// <summary>Workflows tracked at once; beyond it the oldest-idle one is closed early.</summary>
    public int MaxActiveWorkflows { get; init; } = 1024;

    /// <summary>Conversations (messages hashes) remembered at once to chain the next request to its parent; beyond it the older half is forgotten.</summary>
    public int MaxTrackedConversations { get; init; } = 16384;

    /// <summary>Steps kept in memory per active workflow for its idle analysis (older steps still count in the totals).</summary>
    public int MaxStepsPerWorkflow { get; init; } = 512;

    public WorkflowOptions Workflow { get; init; } = new();

    public WasteThresholds Waste { get; init; } = new();
}
