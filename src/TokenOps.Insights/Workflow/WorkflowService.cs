using TokenOps.Insights.Store;

namespace TokenOps.Insights.Workflow;

/// <summary>
/// Workflow listing and traces over the store: the query functions behind <c>tokenops workflows</c>/<c>trace</c>, the MCP
/// tool <c>workflow_trace</c> and the dashboard's workflow view.
/// </summary>
public sealed class WorkflowService(InsightsOptions options, WorkflowOptions? workflowOptions = null)
{
    private readonly WorkflowOptions _workflow = workflowOptions ?? options.Workflow;

    /// <summary>Workflows with a step in [since, until), most expensive first.</summary>
    /// <remarks>
    /// With <paramref name="provider"/> or <paramref name="model"/>, a workflow is listed when at least one of its steps in the
    /// range matches, and its numbers (steps, tokens, cost, errors, models, first/last time, …) count only the matching steps.
    /// Workflows keep the ids an unfiltered list gives them, so each still opens with <see cref="Trace"/> (which shows every
    /// step): a conversation that changes model mid-way is listed under each of its models, as the same inferred chain.
    /// </remarks>
    /// <param name="provider">Only steps of this provider (openai|anthropic|gemini); null for all.</param>
    /// <param name="model">Only steps of this model (as stored: response model, else request model); null for all.</param>
    public WorkflowListReport List(DateTimeOffset since, DateTimeOffset until, bool includeDemo = false, int top = 20,
        string? provider = null, string? model = null)
    {
        using var connection = InsightsStore.OpenReadOnly(options.StorePath);
        var filter = new EventFilter { Since = since, Until = until, IncludeDemo = includeDemo, Provider = provider, Model = model };
        var (_, workflows, _) = StepLoader.LoadGrouped(connection, filter, _workflow.ChainMaxGap, _workflow.MinInferredSteps,
            "workflow_id IS NOT NULL OR session_id IS NOT NULL OR messages_hash IS NOT NULL");
        var all = new List<WorkflowSummary>(workflows.Count);
        foreach (var (key, steps) in workflows)
        {
            all.Add(Summarize(key, steps));
        }

        all.Sort(static (a, b) =>
        {
            var c = (b.CostUsd ?? 0).CompareTo(a.CostUsd ?? 0);
            if (c == 0)
            {
                c = b.Steps.CompareTo(a.Steps);
            }

            return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
        });
        return new WorkflowListReport
        {
            Since = since,
            Until = until,
            IncludeDemo = includeDemo,
            Workflows = all.Count > top ? all.GetRange(0, Math.Max(1, top)) : all,
            WorkflowCount = all.Count,
        };
    }

    /// <summary>The trace of a workflow id, a session id or an inferred chain id (<c>auto-…</c>) with a step in [since, until); null when unknown.</summary>
    public WorkflowTrace? Trace(string id, DateTimeOffset since, DateTimeOffset until, bool includeDemo = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        using var connection = InsightsStore.OpenReadOnly(options.StorePath);
        var steps = StepLoader.Load(connection, since, until, includeDemo, "workflow_id = $p0", id);
        var kind = WorkflowKinds.Workflow;
        if (steps.Count == 0)
        {
            steps = StepLoader.Load(connection, since, until, includeDemo, "session_id = $p0 AND workflow_id IS NULL", id);
            kind = WorkflowKinds.Session;
        }

        if (steps.Count == 0)
        {
            var rows = StepLoader.Load(connection, since, until, includeDemo, StepLoader.Chainable);
            foreach (var (key, group) in SessionInferrer.Group(rows, _workflow.ChainMaxGap))
            {
                if (key.Id == id)
                {
                    steps = group;
                    kind = WorkflowKinds.Inferred;
                    break;
                }
            }
        }

        return steps.Count == 0 ? null : BuildTrace(new WorkflowKey(id, kind), steps);
    }

    internal static WorkflowTrace BuildTrace(WorkflowKey key, List<StepRow> steps)
    {
        var summary = Summarize(key, steps);
        var trace = new List<TraceStep>(steps.Count);
        long? previous = null;
        double latency = 0;
        var start = steps[0].Timestamp;
        for (var i = 0; i < steps.Count; i++)
        {
            var s = steps[i];
            var input = s.Context;
            latency += s.LatencyMs;
            trace.Add(new TraceStep
            {
                Index = i + 1,
                EventId = s.Id,
                Timestamp = s.Timestamp,
                OffsetMs = (s.Timestamp - start).TotalMilliseconds,
                Provider = s.Provider,
                Model = s.Model,
                AgentId = s.AgentId,
                InputTokens = input,
                OutputTokens = s.OutputTokens ?? 0,
                CachedInputTokens = s.CachedInputTokens ?? 0,
                ContextDelta = previous is { } p ? input - p : null,
                LatencyMs = s.LatencyMs,
                CostUsd = s.CostUsd,
                CacheHit = s.CacheHit,
                StatusCode = s.StatusCode,
                FinishReason = s.FinishReason,
                Error = s.ProxyError ?? s.ErrorType ?? (s.StatusCode >= 400 ? "http_" + s.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : null),
            });
            previous = input;
        }

        var first = steps[0].Context;
        var last = steps[^1].Context;
        return new WorkflowTrace
        {
            Summary = summary,
            Steps = trace,
            ContextGrowthTokens = last - first,
            ContextGrowthFactor = first > 0 ? Math.Round((double)last / first, 2) : null,
            TotalLatencyMs = latency,
        };
    }

    internal static WorkflowSummary Summarize(WorkflowKey key, List<StepRow> steps)
    {
        long input = 0, output = 0, cached = 0, peak = 0;
        decimal cost = 0;
        var priced = false;
        int errors = 0, hits = 0;
        var models = new List<string>();
        var agents = new List<string>();
        foreach (var s in steps)
        {
            input += s.Context;
            output += s.OutputTokens ?? 0;
            cached += s.CachedInputTokens ?? 0;
            peak = Math.Max(peak, s.Context);
            if (s.CostUsd is { } c)
            {
                cost += c;
                priced = true;
            }

            errors += s.Failed ? 1 : 0;
            hits += s.CacheHit ? 1 : 0;
            if (s.Model is { } m && !models.Contains(m))
            {
                models.Add(m);
            }

            if (s.AgentId is { } a && !agents.Contains(a))
            {
                agents.Add(a);
            }
        }

        return new WorkflowSummary
        {
            Id = key.Id,
            Kind = key.Kind,
            Provider = steps[0].Provider,
            Models = models,
            Agents = agents,
            Steps = steps.Count,
            InputTokens = input,
            OutputTokens = output,
            CachedInputTokens = cached,
            CostUsd = priced ? cost : null,
            Errors = errors,
            CacheHits = hits,
            PeakContextTokens = peak,
            FirstTimestamp = steps[0].Timestamp,
            LastTimestamp = steps[^1].Timestamp,
            DurationMs = (steps[^1].Timestamp - steps[0].Timestamp).TotalMilliseconds + steps[^1].LatencyMs,
        };
    }
}
