using TokenOps.Core.Pricing;
using TokenOps.Insights.Workflow;

namespace TokenOps.Insights.Waste;

/// <summary>Runs every waste rule over a set of steps; findings come back ranked by estimated dollars saved.</summary>
internal sealed class WasteDetector(WasteThresholds thresholds, RateCard rateCard, WorkflowOptions workflowOptions)
{
    internal static readonly IWasteRule[] Rules =
    [
        new RepeatedRequestRule(), new RetryStormRule(), new OversizedContextRule(), new RunawayContextRule(), new AgentLoopRule(),
        new PromptCacheMissRule(), new TruncatedOutputRule(), new ExpensiveModelRule(), new UnusedToolsRule(),
    ];

    public List<WasteFinding> Detect(IReadOnlyList<StepRow> rows) => Detect(rows, SessionInferrer.Group(rows, workflowOptions.ChainMaxGap));

    /// <summary>Runs every rule over <paramref name="rows"/> already grouped into <paramref name="workflows"/> (see <see cref="StepLoader.LoadGrouped"/>).</summary>
    public List<WasteFinding> Detect(IReadOnlyList<StepRow> rows, List<(WorkflowKey Key, List<StepRow> Steps)> workflows)
    {
        var context = new WasteContext(rows, workflows, thresholds, rateCard);
        var findings = new List<WasteFinding>();
        foreach (var rule in Rules)
        {
            rule.Detect(context, findings);
        }

        Rank(findings);
        return findings;
    }

    /// <summary>
    /// Whether a rule that looks at single steps (<see cref="WasteContext.Rows"/>) could use <paramref name="s"/>: the
    /// repeated-request and retry-storm rules group every step with a prompt hash, the oversized-context and trivial-call
    /// rules take only the steps their own predicates accept. Every other rule reads workflows. A step this rejects and that
    /// belongs to no workflow (<see cref="SessionInferrer.MayBelongToWorkflow"/>) cannot change a finding, so a report over
    /// the store counts it and does not keep it (<see cref="StepLoader.LoadGrouped"/>).
    /// </summary>
    internal bool Examines(StepRow s) =>
        !s.PromptHash.IsNone || OversizedContextRule.IsOversized(s, thresholds, out _, out _)
        || ExpensiveModelRule.IsTrivialTopTier(s, thresholds, rateCard);

    internal static IWasteRule? RuleFor(string kind)
    {
        foreach (var rule in Rules)
        {
            if (rule.Kind == kind)
            {
                return rule;
            }
        }

        return null;
    }

    internal static void Rank(List<WasteFinding> findings) => findings.Sort(static (a, b) =>
    {
        var c = b.EstimatedUsdSaved.CompareTo(a.EstimatedUsdSaved);
        if (c == 0)
        {
            c = b.EstimatedTokensSaved.CompareTo(a.EstimatedTokensSaved);
        }

        return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
    });
}
