using System.Text.Json;
using System.Text.Json.Serialization;
using TokenOps.Insights.Budgets;
using TokenOps.Insights.Forecast;
using TokenOps.Insights.Latency;
using TokenOps.Insights.Spend;

namespace TokenOps.Insights;

/// <summary>
/// Source-generated JSON for every Insights report: these are exactly the CLI's <c>--json</c> outputs, the MCP tools'
/// structured outputs and the dashboard API's bodies (combine with MCP's options via TypeInfoResolverChain).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(SpendReport))]
[JsonSerializable(typeof(SpendSeriesReport))]
[JsonSerializable(typeof(LatencyReport))]
[JsonSerializable(typeof(PricingCheckReport))]
[JsonSerializable(typeof(ForecastReport))]
[JsonSerializable(typeof(BudgetReport))]
[JsonSerializable(typeof(List<BudgetConfig>))]
[JsonSerializable(typeof(PricingShowReport))]
[JsonSerializable(typeof(DemoReport))]
[JsonSerializable(typeof(Workflow.WorkflowListReport))]
[JsonSerializable(typeof(Workflow.WorkflowTrace))]
[JsonSerializable(typeof(Waste.WasteReport))]
[JsonSerializable(typeof(Waste.CoachReport))]
public sealed partial class InsightsJsonContext : JsonSerializerContext;

/// <summary>The <c>tokenops pricing show --json</c> document.</summary>
public sealed record PricingShowReport
{
    public required string RateCardVersion { get; init; }
    /// <summary>The model asked about, if any.</summary>
    public string? Query { get; init; }
    /// <summary>exact | snapshot | prefix when a model was asked about and found.</summary>
    public string? MatchKind { get; init; }
    public required IReadOnlyList<Core.Pricing.RateRow> Rows { get; init; }
}

/// <summary>The <c>tokenops demo --json</c> document.</summary>
public sealed record DemoReport
{
    public required string StorePath { get; init; }
    public int Days { get; init; }
    public int Events { get; init; }
    public decimal CostUsd { get; init; }
    public decimal SavedUsd { get; init; }
}
