using TokenOps.Core.Events;

namespace TokenOps.Insights.Waste;

/// <summary>
/// Rule 5, <c>agent_loop</c>: within a workflow (and agent), the model made the same tool call — same tool names and
/// arguments (<c>last_tool_call_hash</c>; call ids ignored) — in at least <see cref="WasteThresholds.LoopMinRepeats"/> consecutive
/// turns: the agent is stuck repeating a step without progress. Saving: every step of the run after the first (their full cost).
/// </summary>
internal sealed class AgentLoopRule : IWasteRule
{
    public string Kind => WasteKinds.AgentLoop;

    public string Title => "Agents stuck in a loop";

    public string Advice => "Give agents a loop guard: stop (or change strategy) when the same tool call repeats with the same arguments, and cap steps per task.";

    public void Detect(WasteContext context, List<WasteFinding> findings)
    {
        foreach (var (key, steps) in context.Workflows)
        {
            var byAgent = new Dictionary<string, List<Workflow.StepRow>>(StringComparer.Ordinal);
            foreach (var s in steps)
            {
                var agent = s.AgentId ?? "";
                if (!byAgent.TryGetValue(agent, out var list))
                {
                    byAgent[agent] = list = [];
                }

                list.Add(s);
            }

            foreach (var (agent, list) in byAgent)
            {
                var start = 0;
                for (var i = 1; i <= list.Count; i++)
                {
                    if (i < list.Count && !list[i].LastToolCallHash.IsNone && list[i].LastToolCallHash == list[start].LastToolCallHash)
                    {
                        continue;
                    }

                    if (!list[start].LastToolCallHash.IsNone && i - start >= context.Thresholds.LoopMinRepeats)
                    {
                        Emit(context, findings, key.Id, agent, list.GetRange(start, i - start));
                    }

                    start = i;
                }
            }
        }
    }

    private void Emit(WasteContext context, List<WasteFinding> findings, string workflow, string agent, List<Workflow.StepRow> run)
    {
        long tokens = 0;
        decimal usd = 0;
        var evidence = new List<string>(run.Count);
        for (var i = 0; i < run.Count; i++)
        {
            evidence.Add(run[i].Id);
            if (i > 0)
            {
                tokens += run[i].Context + (run[i].OutputTokens ?? 0);
                usd += run[i].CostUsd ?? 0;
            }
        }

        var who = agent.Length == 0 ? "the agent" : "agent " + agent;
        findings.Add(new WasteFinding
        {
            Id = WasteFinding.IdFor(Kind, evidence),
            Kind = Kind,
            Severity = run.Count >= 2 * context.Thresholds.LoopMinRepeats ? CoachingSeverities.Critical : CoachingSeverities.Warning,
            Summary = $"Workflow {workflow}: {who} repeated the same tool call {run.Count} times in a row",
            Details = $"{run.Count} consecutive turns made an identical tool call (same name and arguments) — no progress between them.",
            Fix = "Detect repeated identical tool calls and break out (or change the prompt/strategy); cap the steps per task.",
            EvidenceEventIds = evidence,
            EstimatedTokensSaved = tokens,
            EstimatedUsdSaved = usd,
            WorkflowId = workflow,
            Provider = run[0].Provider,
            Model = run[0].Model,
            Timestamp = run[^1].Timestamp,
        });
    }
}
