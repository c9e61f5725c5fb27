using TokenOps.Core.Events;
using TokenOps.Core.Pricing;

namespace TokenOps.Insights.Waste;

/// <summary>
/// Rule 8, <c>expensive_model_trivial</c>: at least <see cref="WasteThresholds.TrivialMinCalls"/> calls to a top-tier model
/// (uncached input price ≥ <see cref="WasteThresholds.TopTierMinInputUsdPerMillion"/> USD per million tokens) whose prompt is at
/// most <see cref="WasteThresholds.TrivialMaxInputTokens"/> tokens and answer at most <see cref="WasteThresholds.TrivialMaxOutputTokens"/>
/// — classification, extraction, short rewrites. Saving: the same usage priced at the provider's small model
/// (<see cref="SmallModels"/>): Σ cost − cost at the small model's rates.
/// </summary>
internal sealed class ExpensiveModelRule : IWasteRule
{
    /// <summary>The provider's small model the saving is priced against.</summary>
    internal static readonly IReadOnlyDictionary<string, string> SmallModels = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Providers.OpenAI] = "gpt-5-mini",
        [Providers.Anthropic] = "claude-haiku-4-5",
        [Providers.Gemini] = "gemini-2.5-flash",
    };

    public string Kind => WasteKinds.ExpensiveModelTrivial;

    public string Title => "Top-tier models on trivial calls";

    public string Advice => "Route short, simple calls (classification, extraction, short rewrites) to a small model; keep the top-tier model for the hard steps.";

    public void Detect(WasteContext context, List<WasteFinding> findings)
    {
        var t = context.Thresholds;
        var groups = new Dictionary<(string, string), List<Workflow.StepRow>>();
        foreach (var s in context.Rows)
        {
            if (!IsTrivialTopTier(s, t, context.RateCard))
            {
                continue;
            }

            var key = (s.Provider, s.Model!);
            if (!groups.TryGetValue(key, out var list))
            {
                groups[key] = list = [];
            }

            list.Add(s);
        }

        foreach (var ((provider, model), list) in groups)
        {
            if (list.Count < t.TrivialMinCalls || !SmallModels.TryGetValue(provider, out var small)
                || context.RateCard.Find(provider, small) is not { } cheap)
            {
                continue;
            }

            decimal usd = 0;
            var evidence = new List<string>(list.Count);
            foreach (var s in list)
            {
                evidence.Add(s.Id);
                usd += Math.Max(0, (s.CostUsd ?? 0) - WasteContext.CostAt(s, cheap.Row));
            }

            if (usd <= 0)
            {
                continue;
            }

            findings.Add(new WasteFinding
            {
                Id = WasteFinding.IdFor(Kind, evidence),
                Kind = Kind,
                Severity = CoachingSeverities.Info,
                Summary = $"{list.Count} trivial calls (≤{t.TrivialMaxInputTokens} in / ≤{t.TrivialMaxOutputTokens} out tokens) on {model}",
                Details = $"Short prompts with short answers went to a top-tier model; {cheap.Row.Model} would have cost {WasteContext.Usd(usd)} less.",
                Fix = $"Route these calls to {cheap.Row.Model} (or another small model).",
                EvidenceEventIds = evidence,
                EstimatedTokensSaved = 0,
                EstimatedUsdSaved = usd,
                WorkflowId = list[0].WorkflowId,
                Provider = provider,
                Model = model,
                Timestamp = list[^1].Timestamp,
            });
        }
    }

    /// <summary>A successful, uncached call with a short prompt and a short answer, on a priced top-tier model.</summary>
    internal static bool IsTrivialTopTier(Workflow.StepRow s, WasteThresholds t, RateCard rateCard) =>
        !s.Failed && !s.CacheHit && s.InputTokens is { } input && s.OutputTokens is { } output
        && input <= t.TrivialMaxInputTokens && output <= t.TrivialMaxOutputTokens && s.Model is not null
        && rateCard.Find(s.Provider, s.Model) is { } match && (match.Row.Input ?? 0) >= t.TopTierMinInputUsdPerMillion;
}
