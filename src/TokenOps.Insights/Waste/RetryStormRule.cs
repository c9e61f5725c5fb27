using TokenOps.Core.Events;

namespace TokenOps.Insights.Waste;

/// <summary>
/// Rule 2, <c>retry_storm</c>: the same request (same <c>prompt_hash</c>) failed at least <see cref="WasteThresholds.RetryMinFailures"/>
/// times, each attempt within <see cref="WasteThresholds.RetryWindow"/> of the previous one — retries without (enough) backoff.
/// Saving: the tokens re-sent by the failed attempts (prompt tokens, usually unbilled but rate-limit budget) and whatever the
/// provider did bill for them (a 5xx after a partial stream is billed).
/// </summary>
internal sealed class RetryStormRule : IWasteRule
{
    public string Kind => WasteKinds.RetryStorm;

    public string Title => "Retry storms";

    public string Advice => "Retry with exponential backoff and jitter, honour Retry-After on 429/529, and cap the attempts: hammering a failing endpoint burns rate limit and time.";

    public void Detect(WasteContext context, List<WasteFinding> findings)
    {
        var (heads, next) = context.PromptGroups;
        var run = new List<Workflow.StepRow>();
        foreach (var head in heads)
        {
            run.Clear();
            for (var i = head; ; i = next[i])
            {
                var s = i >= 0 ? context.Rows[i] : null;
                var continues = s is not null && s.Failed
                    && (run.Count == 0 || s.Timestamp - run[^1].Timestamp <= context.Thresholds.RetryWindow);
                if (continues)
                {
                    run.Add(s!);
                    continue;
                }

                Emit(context, findings, run);
                run.Clear();
                if (s is null)
                {
                    break;
                }

                if (s.Failed)
                {
                    run.Add(s);
                }
            }
        }
    }

    private void Emit(WasteContext context, List<WasteFinding> findings, List<Workflow.StepRow> run)
    {
        if (run.Count < context.Thresholds.RetryMinFailures)
        {
            return;
        }

        long tokens = 0;
        decimal usd = 0;
        var evidence = new List<string>(run.Count);
        foreach (var s in run)
        {
            evidence.Add(s.Id);
            tokens += s.Context;
            usd += s.CostUsd ?? 0;
        }

        var first = run[0];
        var error = first.ErrorType ?? first.ProxyError ?? "HTTP " + first.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var seconds = (run[^1].Timestamp - first.Timestamp).TotalSeconds;
        findings.Add(new WasteFinding
        {
            Id = WasteFinding.IdFor(Kind, evidence),
            Kind = Kind,
            Severity = run.Count >= 2 * context.Thresholds.RetryMinFailures ? CoachingSeverities.Critical : CoachingSeverities.Warning,
            Summary = $"{run.Count} failed attempts of the same {first.Model ?? first.Provider} request in {seconds:0} s ({error})",
            Details = $"The same request failed {run.Count} times in a row; {WasteContext.Num(tokens)} prompt tokens were re-sent.",
            Fix = "Back off exponentially with jitter, honour Retry-After, and stop after a few attempts.",
            EvidenceEventIds = evidence,
            EstimatedTokensSaved = tokens,
            EstimatedUsdSaved = usd,
            WorkflowId = first.WorkflowId,
            Provider = first.Provider,
            Model = first.Model,
            Timestamp = run[^1].Timestamp,
        });
    }
}
