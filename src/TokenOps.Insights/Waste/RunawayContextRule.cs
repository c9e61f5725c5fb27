using TokenOps.Core.Events;

namespace TokenOps.Insights.Waste;

/// <summary>
/// Rule 4, <c>runaway_context_growth</c>: a workflow of at least <see cref="WasteThresholds.RunawayMinSteps"/> steps whose last
/// prompt is at least <see cref="WasteThresholds.RunawayGrowthFactor"/>× its first and at least
/// <see cref="WasteThresholds.RunawayMinFinalTokens"/> tokens, growing at (almost) every step — history is appended and never
/// compacted. Saving: keeping every prompt within <see cref="WasteThresholds.RunawayKeepFactor"/>× the first step's
/// (summarise / drop old tool output), i.e. Σ max(0, prompt − provider-cached − keep) at the uncached input price.
/// </summary>
internal sealed class RunawayContextRule : IWasteRule
{
    public string Kind => WasteKinds.RunawayContextGrowth;

    public string Title => "Context that keeps growing";

    public string Advice => "Compact long agent conversations: summarise or drop old tool results once they are used, instead of re-sending the whole history every turn.";

    public void Detect(WasteContext context, List<WasteFinding> findings)
    {
        var t = context.Thresholds;
        foreach (var (key, steps) in context.Workflows)
        {
            if (steps.Count < t.RunawayMinSteps)
            {
                continue;
            }

            var first = steps[0].Context;
            var last = steps[^1].Context;
            if (first <= 0 || last < t.RunawayMinFinalTokens || last < first * t.RunawayGrowthFactor)
            {
                continue;
            }

            var growing = 0;
            for (var i = 1; i < steps.Count; i++)
            {
                growing += steps[i].Context > steps[i - 1].Context ? 1 : 0;
            }

            if (growing < 0.8 * (steps.Count - 1))
            {
                continue;
            }

            var keep = (long)(first * t.RunawayKeepFactor);
            long tokens = 0;
            decimal usd = 0;
            var evidence = new List<string>(steps.Count);
            foreach (var s in steps)
            {
                evidence.Add(s.Id);
                var excess = Math.Max(0, s.Context - (s.CachedInputTokens ?? 0) - keep);
                tokens += excess;
                usd += context.InputUsd(s, excess);
            }

            var factor = (double)last / first;
            findings.Add(new WasteFinding
            {
                Id = WasteFinding.IdFor(Kind, evidence),
                Kind = Kind,
                Severity = factor >= 2 * t.RunawayGrowthFactor ? CoachingSeverities.Critical : CoachingSeverities.Warning,
                Summary = $"Workflow {key.Id}: context grew {factor:0.#}× over {steps.Count} steps ({WasteContext.Num(first)} → {WasteContext.Num(last)} tokens)",
                Details = $"The prompt grew at {growing} of {steps.Count - 1} steps and was never compacted.",
                Fix = $"Summarise or drop old turns/tool output to keep prompts near {WasteContext.Num(keep)} tokens.",
                EvidenceEventIds = evidence,
                EstimatedTokensSaved = tokens,
                EstimatedUsdSaved = usd,
                WorkflowId = key.Id,
                Provider = steps[0].Provider,
                Model = steps[^1].Model,
                Timestamp = steps[^1].Timestamp,
            });
        }
    }
}
