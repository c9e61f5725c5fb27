using System.Globalization;
using TokenOps.Core.Pricing;
using TokenOps.Insights.Workflow;

namespace TokenOps.Insights.Waste;

/// <summary>
/// What every rule sees: the steps of the analysed range (oldest first; a report over the store leaves out those no rule
/// over single steps examines, see <see cref="WasteDetector.Examines"/>), the steps grouped into workflows, the thresholds and prices.
/// </summary>
internal sealed class WasteContext(IReadOnlyList<StepRow> rows, List<(WorkflowKey Key, List<StepRow> Steps)> workflows, WasteThresholds thresholds, RateCard rateCard)
{
    private const decimal PerMillion = 1_000_000m;

    public IReadOnlyList<StepRow> Rows { get; } = rows;

    public List<(WorkflowKey Key, List<StepRow> Steps)> Workflows { get; } = workflows;

    public WasteThresholds Thresholds { get; } = thresholds;

    public RateCard RateCard { get; } = rateCard;

    /// <summary>Rates of the step's model at its prompt size (long-context tiers included); null when unpriced.</summary>
    public Rates? RatesOf(StepRow s) => RateCard.Find(s.Provider, s.Model) is { } match ? match.RatesFor(s.Context) : null;

    /// <summary>USD of <paramref name="tokens"/> uncached input tokens at the step's rates.</summary>
    public decimal InputUsd(StepRow s, long tokens) => RatesOf(s) is { } r ? tokens * r.Input / PerMillion : 0m;

    /// <summary>USD the provider's prompt cache would have saved on <paramref name="tokens"/>: tokens × (input − cache-read price).</summary>
    public decimal CacheDiscountUsd(StepRow s, long tokens) =>
        RatesOf(s) is { CachedInput: { } cached } r ? tokens * (r.Input - cached) / PerMillion : 0m;

    /// <summary>What the step's usage would cost at <paramref name="row"/>'s base rates.</summary>
    public static decimal CostAt(StepRow s, RateRow row) =>
        (s.Context * (row.Input ?? 0m) + (s.OutputTokens ?? 0) * (row.Output ?? 0m)) / PerMillion;

    public static string Num(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Usd(decimal value) => value.ToString(value < 1 ? "$0.0000" : "$#,0.00", CultureInfo.InvariantCulture);
}

/// <summary>One waste rule. Rules are stateless; each lives in its own file with its threshold and saving model documented.</summary>
internal interface IWasteRule
{
    string Kind { get; }

    /// <summary>Short title for coaching (plain language).</summary>
    string Title { get; }

    /// <summary>The recommendation in plain language (used by <c>tokenops coach</c>).</summary>
    string Advice { get; }

    void Detect(WasteContext context, List<WasteFinding> findings);
}
