using System.Globalization;
using System.Runtime.InteropServices;
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

    private (List<int> Heads, int[] Next)? _promptGroups;

    public IReadOnlyList<StepRow> Rows { get; } = rows;

    public List<(WorkflowKey Key, List<StepRow> Steps)> Workflows { get; } = workflows;

    public WasteThresholds Thresholds { get; } = thresholds;

    public RateCard RateCard { get; } = rateCard;

    /// <summary>
    /// The steps of <see cref="Rows"/> with a prompt hash, grouped by (provider, prompt hash), for the rules that look for the
    /// same request sent again (repeated_request, retry_storm): <c>Heads</c> holds each group's first step (an index into
    /// <see cref="Rows"/>) in order of first appearance, <c>Next[i]</c> the next step of step <c>i</c>'s group (-1 after the
    /// last), so each group is walked oldest first. Built once and shared: on a month of traffic most requests are unique,
    /// and a list per request in each rule was a third of the report's peak memory.
    /// </summary>
    public (List<int> Heads, int[] Next) PromptGroups => _promptGroups ??= GroupByPrompt(Rows);

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

    private static (List<int> Heads, int[] Next) GroupByPrompt(IReadOnlyList<StepRow> rows)
    {
        var heads = new List<int>();
        var next = new int[rows.Count];
        // Keyed by the group's first step (compared through the rows): 16 bytes an entry, where a (provider, hash) key was 64.
        var tails = new Dictionary<int, int>(new SameRequest(rows));
        for (var i = 0; i < rows.Count; i++)
        {
            next[i] = -1;
            if (rows[i].PromptHash.IsNone)
            {
                continue;
            }

            ref var tail = ref CollectionsMarshal.GetValueRefOrAddDefault(tails, i, out var existed);
            if (existed)
            {
                next[tail] = i;
            }
            else
            {
                heads.Add(i);
            }

            tail = i;
        }

        return (heads, next);
    }

    /// <summary>Row indexes are equal when their rows have the same provider and prompt hash.</summary>
    private sealed class SameRequest(IReadOnlyList<StepRow> rows) : IEqualityComparer<int>
    {
        public bool Equals(int x, int y) =>
            rows[x].PromptHash == rows[y].PromptHash && string.Equals(rows[x].Provider, rows[y].Provider, StringComparison.Ordinal);

        public int GetHashCode(int i) => HashCode.Combine(rows[i].PromptHash, StringComparer.Ordinal.GetHashCode(rows[i].Provider));
    }

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
