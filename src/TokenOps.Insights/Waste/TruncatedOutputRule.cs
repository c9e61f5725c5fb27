using TokenOps.Core.Events;

namespace TokenOps.Insights.Waste;

/// <summary>
/// Rule 7, <c>output_truncated</c>: an answer cut off by the output limit (finish reason <c>length</c> (OpenAI chat),
/// <c>max_tokens</c> (Anthropic), <c>MAX_TOKENS</c> (Gemini), <c>max_output_tokens</c> (OpenAI Responses)) followed, within
/// <see cref="WasteThresholds.ContinuationWindow"/>, by a continuation: the next step of the workflow is chained to it (its
/// prefix is the truncated request) or re-sends the same request. Saving: the continuation's prompt — it re-reads the whole
/// context only to finish the answer (its input tokens at the uncached price).
/// </summary>
internal sealed class TruncatedOutputRule : IWasteRule
{
    public string Kind => WasteKinds.OutputTruncated;

    public string Title => "Answers cut off and continued";

    public string Advice => "Raise max_tokens for these calls (or ask for a shorter answer): each cut-off answer made the client pay for the whole prompt again to continue.";

    public void Detect(WasteContext context, List<WasteFinding> findings)
    {
        foreach (var (key, steps) in context.Workflows)
        {
            var evidence = new List<string>();
            long tokens = 0;
            decimal usd = 0;
            for (var i = 0; i + 1 < steps.Count; i++)
            {
                var s = steps[i];
                var next = steps[i + 1];
                if (!IsTruncated(s.FinishReason) || next.Timestamp - s.Timestamp > context.Thresholds.ContinuationWindow)
                {
                    continue;
                }

                var continues = (!next.ParentMessagesHash.IsNone && next.ParentMessagesHash == s.MessagesHash)
                    || (!next.PromptHash.IsNone && next.PromptHash == s.PromptHash);
                if (!continues)
                {
                    continue;
                }

                evidence.Add(s.Id);
                evidence.Add(next.Id);
                var input = next.Context - (next.CachedInputTokens ?? 0);
                tokens += input;
                usd += context.InputUsd(next, input);
            }

            if (evidence.Count == 0)
            {
                continue;
            }

            var limit = steps[0].MaxTokens is { } max ? $" (max_tokens {max})" : "";
            findings.Add(new WasteFinding
            {
                Id = WasteFinding.IdFor(Kind, evidence),
                Kind = Kind,
                Summary = $"Workflow {key.Id}: {evidence.Count / 2} answer(s) hit the output limit{limit} and were continued",
                Details = $"Each continuation re-sent {WasteContext.Num(tokens / (evidence.Count / 2))} prompt tokens on average just to finish the answer.",
                Fix = "Raise max_tokens for this call, or ask for a more concise answer.",
                EvidenceEventIds = evidence,
                EstimatedTokensSaved = tokens,
                EstimatedUsdSaved = usd,
                WorkflowId = key.Id,
                Provider = steps[0].Provider,
                Model = steps[0].Model,
                Timestamp = steps[^1].Timestamp,
            });
        }
    }

    internal static bool IsTruncated(string? finishReason) =>
        finishReason is "length" or "max_tokens" or "MAX_TOKENS" or "max_output_tokens";
}
