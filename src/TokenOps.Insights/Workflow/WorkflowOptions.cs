namespace TokenOps.Insights.Workflow;

/// <summary>Workflow inference and tracking settings (config section <c>coaching.*</c>, see docs/workflows.md).</summary>
public sealed record WorkflowOptions
{
    /// <summary><c>coaching.workflow_idle</c>: a workflow with no new step for this long is complete (or failed).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary><c>coaching.chain_max_gap</c>: the longest pause between two turns that prefix chaining still joins.</summary>
    public TimeSpan ChainMaxGap { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>An inferred chain needs at least this many steps to be listed as a workflow (a lone request is not one).</summary>
    public int MinInferredSteps { get; init; } = 2;

    /// <summary>The daemon emits a <c>progress</c> WorkflowEvent every this many steps.</summary>
    public int ProgressEvery { get; init; } = 10;
}
