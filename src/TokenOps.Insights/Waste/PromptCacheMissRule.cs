using TokenOps.Core.Events;

namespace TokenOps.Insights.Waste;

/// <summary>
/// Rule 6, <c>prompt_cache_missed</c>: in a workflow, a step re-sends the previous step's whole prompt as its prefix (it is
/// prefix-chained to it: <c>parent_messages_hash</c> = previous <c>messages_hash</c>, or an explicit workflow whose message list
/// grew) — at least <see cref="WasteThresholds.CacheMinPrefixTokens"/> tokens — yet the provider reported no cached tokens,
/// in at least <see cref="WasteThresholds.CacheMinMissedSteps"/> steps. Typical causes: Anthropic without <c>cache_control</c>
/// breakpoints (https://docs.claude.com/en/docs/build-with-claude/prompt-caching), OpenAI prompts whose prefix changes
/// between calls (timestamps or reordered tools/messages up front; https://platform.openai.com/docs/guides/prompt-caching).
/// Dollars lost = Σ prefix tokens × (input − cache-read price) of the model (models without a cache-read price are skipped).
/// The prefix is approximated by the previous step's prompt tokens.
/// </summary>
internal sealed class PromptCacheMissRule : IWasteRule
{
    public string Kind => WasteKinds.PromptCacheMissed;

    public string Title => "Provider prompt cache not used";

    public string Advice => "Make the provider's prompt cache work: keep the long, stable part of the prompt (system, tools, documents) first and byte-identical, and on Anthropic add cache_control breakpoints.";

    public void Detect(WasteContext context, List<WasteFinding> findings)
    {
        var t = context.Thresholds;
        foreach (var (key, steps) in context.Workflows)
        {
            var evidence = new List<string>();
            long tokens = 0;
            decimal usd = 0;
            for (var i = 1; i < steps.Count; i++)
            {
                var previous = steps[i - 1];
                var s = steps[i];
                var chained = (!s.ParentMessagesHash.IsNone && s.ParentMessagesHash == previous.MessagesHash)
                    || (s.MessageCount is { } n && previous.MessageCount is { } m && n > m && m > 0);
                if (!chained || s.Failed || s.CacheHit || s.Provider != previous.Provider || s.Model != previous.Model)
                {
                    continue;
                }

                var prefix = previous.Context;
                if (prefix < t.CacheMinPrefixTokens || (s.CachedInputTokens ?? 0) > 0 || s.InputTokens is null)
                {
                    continue;
                }

                var lost = context.CacheDiscountUsd(s, prefix);
                if (lost <= 0)
                {
                    continue;
                }

                if (evidence.Count == 0)
                {
                    evidence.Add(previous.Id);
                }

                evidence.Add(s.Id);
                tokens += prefix;
                usd += lost;
            }

            if (evidence.Count - 1 < t.CacheMinMissedSteps)
            {
                continue;
            }

            var provider = steps[0].Provider;
            var fix = provider == Providers.Anthropic
                ? "Add cache_control breakpoints (system prompt, tools, and the last message) so each turn reads the history from the cache."
                : "Keep the prompt prefix byte-identical between calls (static system prompt and tools first, no timestamps up front, append-only history).";
            findings.Add(new WasteFinding
            {
                Id = WasteFinding.IdFor(Kind, evidence),
                Kind = Kind,
                Severity = usd >= 1m ? CoachingSeverities.Critical : CoachingSeverities.Warning,
                Summary = $"Workflow {key.Id}: {evidence.Count - 1} steps re-sent a cacheable prefix ({WasteContext.Num(tokens)} tokens) with no cache hit",
                Details = $"Each step repeated the previous prompt as its prefix but the provider reported 0 cached tokens: {WasteContext.Usd(usd)} lost to full input price.",
                Fix = fix,
                EvidenceEventIds = evidence,
                EstimatedTokensSaved = tokens,
                EstimatedUsdSaved = usd,
                WorkflowId = key.Id,
                Provider = provider,
                Model = steps[^1].Model,
                Timestamp = steps[^1].Timestamp,
            });
        }
    }
}
