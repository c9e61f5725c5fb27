using TokenOps.Core.Bus;
using TokenOps.Core.Pricing;
using TokenOps.Insights.Budgets;
using TokenOps.Insights.Workflow;

namespace TokenOps.Insights;

/// <summary>
/// Everything the query layer needs, derived from the config by the executable (CLI, MCP server, dashboard).
/// </summary>
public sealed record InsightsOptions
{
    /// <summary>SQLite store path (<c>storage.path</c>).</summary>
    public required string StorePath { get; init; }

    /// <summary>The effective rate card (embedded + <c>pricing.path</c> + <c>pricing.overrides</c>; see <see cref="RateCard.Create"/>).</summary>
    public RateCard RateCard { get; init; } = RateCard.Embedded;

    /// <summary><c>budgets[]</c> from the config (see <see cref="BudgetConfig.ParseList"/>).</summary>
    public IReadOnlyList<BudgetConfig> Budgets { get; init; } = [];

    /// <summary>Time zone that defines "a day" for daily series, budgets windows and month-end. Default: the machine's.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Local;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Workflow grouping (<c>coaching.chain_max_gap</c>, …) shared by the reports and the daemon's tracker.</summary>
    public WorkflowOptions Workflow { get; init; } = new();

    /// <summary>
    /// Opens the store's writer (the SQLite sink) for <c>tokenops demo</c>; null when the executable has no writer to offer.
    /// A function rather than a sink so that read-only commands never open the store for writing.
    /// </summary>
    public Func<IEventSink>? OpenStoreWriter { get; init; }
}
