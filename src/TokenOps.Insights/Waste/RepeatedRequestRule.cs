using TokenOps.Core.Events;

namespace TokenOps.Insights.Waste;

/// <summary>
/// Rule 1, <c>repeated_request</c>: the same request body (same <c>prompt_hash</c>, same provider) answered successfully by the
/// provider again within <see cref="WasteThresholds.RepeatWindow"/> of the previous identical call.
/// Saving: everything the repeats cost (tokens in + out, USD) — a response cache (<c>cache.enabled=true</c>) would have answered them.
/// Not counted: TokenOps cache hits (already saved) and failed attempts (see retry_storm).
/// </summary>
internal sealed class RepeatedRequestRule : IWasteRule
{
    public string Kind => WasteKinds.RepeatedRequest;

    public string Title => "Identical requests sent again";

    public string Advice => "Turn on the TokenOps response cache (cache.enabled=true) or memoise these calls in your code: the same request was paid for more than once.";

    public void Detect(WasteContext context, List<WasteFinding> findings)
    {
        var (heads, next) = context.PromptGroups;
        var list = new List<Workflow.StepRow>();
        foreach (var head in heads)
        {
            if (next[head] < 0)
            {
                continue; // one request of its kind: nothing repeated
            }

            list.Clear();
            for (var i = head; i >= 0; i = next[i])
            {
                if (!context.Rows[i].Failed && !context.Rows[i].CacheHit)
                {
                    list.Add(context.Rows[i]);
                }
            }

            if (list.Count < 2)
            {
                continue;
            }

            var evidence = new List<string> { list[0].Id };
            long tokens = 0;
            decimal usd = 0;
            for (var i = 1; i < list.Count; i++)
            {
                if (list[i].Timestamp - list[i - 1].Timestamp > context.Thresholds.RepeatWindow)
                {
                    continue;
                }

                evidence.Add(list[i].Id);
                tokens += list[i].Context + (list[i].OutputTokens ?? 0);
                usd += list[i].CostUsd ?? 0;
            }

            if (evidence.Count < 2)
            {
                continue;
            }

            var first = list[0];
            var repeats = evidence.Count - 1;
            var hash = first.PromptHash.ToText()!;
            findings.Add(new WasteFinding
            {
                Id = WasteFinding.IdFor(Kind, evidence),
                Kind = Kind,
                Severity = repeats >= 5 ? CoachingSeverities.Critical : CoachingSeverities.Warning,
                Summary = $"Same {first.Model ?? first.Provider} request sent {evidence.Count} times within {context.Thresholds.RepeatWindow.TotalMinutes:0} min",
                Details = $"{repeats} identical repeat(s) of a request (prompt hash {hash[..Math.Min(12, hash.Length)]}…) cost {WasteContext.Usd(usd)} and {WasteContext.Num(tokens)} tokens.",
                Fix = "Enable the response cache (cache.enabled=true) or reuse the first answer in your code.",
                EvidenceEventIds = evidence,
                EstimatedTokensSaved = tokens,
                EstimatedUsdSaved = usd,
                WorkflowId = first.WorkflowId,
                Provider = first.Provider,
                Model = first.Model,
                Timestamp = list[^1].Timestamp,
            });
        }
    }
}
