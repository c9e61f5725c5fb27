using TokenOps.Core.Events;
using TokenOps.Insights.Workflow;

namespace TokenOps.Insights.Waste;

/// <summary>
/// Rule 3, <c>oversized_context</c>: prompts above <see cref="WasteThresholds.OversizedInputTokens"/> tokens, or above
/// <see cref="WasteThresholds.OversizedWindowShare"/> of the model's context window (<see cref="ModelContextWindows"/>).
/// One finding per model with every offending step as evidence. Saving: trimming each prompt down to the threshold
/// (the smaller of the two limits) — the excess tokens at the step's uncached input price.
/// </summary>
internal sealed class OversizedContextRule : IWasteRule
{
    public string Kind => WasteKinds.OversizedContext;

    public string Title => "Oversized prompts";

    public string Advice => "Send less context: retrieve only the relevant chunks, summarise old turns, and drop files the model does not need for this step.";

    public void Detect(WasteContext context, List<WasteFinding> findings)
    {
        var t = context.Thresholds;
        var byModel = new Dictionary<(string, string), (List<string> Ids, long Tokens, decimal Usd, long Peak, long Limit, DateTimeOffset Last, string? Workflow)>();
        foreach (var s in context.Rows)
        {
            if (!IsOversized(s, t, out var input, out var limit))
            {
                continue;
            }

            var key = (s.Provider, s.Model ?? "");
            byModel.TryGetValue(key, out var acc);
            acc.Ids ??= [];
            acc.Ids.Add(s.Id);
            acc.Tokens += input - limit;
            acc.Usd += context.InputUsd(s, input - limit);
            acc.Peak = Math.Max(acc.Peak, input);
            acc.Limit = limit;
            acc.Last = s.Timestamp;
            acc.Workflow ??= s.WorkflowId;
            byModel[key] = acc;
        }

        foreach (var ((provider, model), acc) in byModel)
        {
            findings.Add(new WasteFinding
            {
                Id = WasteFinding.IdFor(Kind, acc.Ids),
                Kind = Kind,
                Severity = acc.Peak > 2 * acc.Limit ? CoachingSeverities.Critical : CoachingSeverities.Warning,
                Summary = $"{acc.Ids.Count} {model} prompt(s) above {WasteContext.Num(acc.Limit)} tokens (peak {WasteContext.Num(acc.Peak)})",
                Details = $"Prompts beyond the {WasteContext.Num(acc.Limit)}-token threshold carried {WasteContext.Num(acc.Tokens)} excess tokens.",
                Fix = "Trim the context: retrieve fewer/shorter chunks, summarise history, or split the task.",
                EvidenceEventIds = acc.Ids,
                EstimatedTokensSaved = acc.Tokens,
                EstimatedUsdSaved = acc.Usd,
                WorkflowId = acc.Workflow,
                Provider = provider,
                Model = model,
                Timestamp = acc.Last,
            });
        }
    }

    /// <summary>A successful, uncached step whose prompt (<paramref name="input"/> tokens) is above its <paramref name="limit"/>.</summary>
    internal static bool IsOversized(StepRow s, WasteThresholds t, out long input, out long limit)
    {
        limit = 0;
        if (s.Failed || s.CacheHit || s.InputTokens is not { } tokens)
        {
            input = 0;
            return false;
        }

        input = tokens;
        limit = t.OversizedInputTokens;
        if (ModelContextWindows.Find(s.Model) is { } window)
        {
            limit = Math.Min(limit, (long)(window * t.OversizedWindowShare));
        }

        return input > limit;
    }
}
