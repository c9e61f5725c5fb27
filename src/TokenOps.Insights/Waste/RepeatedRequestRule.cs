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
        var groups = new Dictionary<(string, string), List<Workflow.StepRow>>();
        foreach (var s in context.Rows)
        {
            if (s.PromptHash is null || s.Failed || s.CacheHit)
            {
                continue;
            }

            var key = (s.Provider, s.PromptHash);
            if (!groups.TryGetValue(key, out var list))
            {
                groups[key] = list = [];
            }

            list.Add(s);
        }

        foreach (var (_, list) in groups)
        {
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
            findings.Add(new WasteFinding
            {
                Id = WasteFinding.IdFor(Kind, evidence),
                Kind = Kind,
                Severity = repeats >= 5 ? CoachingSeverities.Critical : CoachingSeverities.Warning,
                Summary = $"Same {first.Model ?? first.Provider} request sent {evidence.Count} times within {context.Thresholds.RepeatWindow.TotalMinutes:0} min",
                Details = $"{repeats} identical repeat(s) of a request (prompt hash {first.PromptHash![..Math.Min(12, first.PromptHash!.Length)]}…) cost {WasteContext.Usd(usd)} and {WasteContext.Num(tokens)} tokens.",
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
