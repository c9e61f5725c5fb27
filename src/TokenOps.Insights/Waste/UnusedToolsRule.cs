using TokenOps.Core.Events;

namespace TokenOps.Insights.Waste;

/// <summary>
/// Rule 9, <c>unused_tools</c>: a workflow in which at least <see cref="WasteThresholds.UnusedToolsMinSteps"/> steps sent tool
/// definitions of at least <see cref="WasteThresholds.UnusedToolsMinTokens"/> tokens, and the model never called a tool — no tool
/// call in any step's history (<c>tool_call_count</c>) and no step ended with a tool-call finish reason. Saving: the tool
/// definition tokens of every step at the uncached input price (cached reads of them are not counted as waste).
/// </summary>
internal sealed class UnusedToolsRule : IWasteRule
{
    public string Kind => WasteKinds.UnusedTools;

    public string Title => "Tool definitions sent but never used";

    public string Advice => "Only send the tools a step can use: large tool schemas are billed as prompt tokens on every call, called or not.";

    public void Detect(WasteContext context, List<WasteFinding> findings)
    {
        var t = context.Thresholds;
        foreach (var (key, steps) in context.Workflows)
        {
            var evidence = new List<string>();
            long tokens = 0;
            decimal usd = 0;
            var called = false;
            var maxTools = 0;
            foreach (var s in steps)
            {
                if ((s.ToolCallCount ?? 0) > 0 || s.FinishReason is "tool_calls" or "tool_use" or "function_call")
                {
                    called = true;
                    break;
                }

                if (s.ToolDefinitionTokens is { } defs && defs >= t.UnusedToolsMinTokens && !s.Failed && !s.CacheHit)
                {
                    evidence.Add(s.Id);
                    var uncached = Math.Max(0, Math.Min(defs, s.Context - (s.CachedInputTokens ?? 0)));
                    tokens += uncached;
                    usd += context.InputUsd(s, uncached);
                    maxTools = Math.Max(maxTools, s.ToolCount ?? 0);
                }
            }

            if (called || evidence.Count < t.UnusedToolsMinSteps)
            {
                continue;
            }

            findings.Add(new WasteFinding
            {
                Id = WasteFinding.IdFor(Kind, evidence),
                Kind = Kind,
                Severity = CoachingSeverities.Info,
                Summary = $"Workflow {key.Id}: {maxTools} tool definitions sent on {evidence.Count} calls, never called",
                Details = $"The tool schemas added {WasteContext.Num(tokens)} prompt tokens across the workflow and the model called none of them.",
                Fix = "Drop the tools from these calls (or send only the ones this step can use).",
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
