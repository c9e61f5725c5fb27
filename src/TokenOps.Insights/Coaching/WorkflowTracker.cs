using TokenOps.Core.Bus;
using TokenOps.Core.Events;
using TokenOps.Insights.Workflow;

namespace TokenOps.Insights.Coaching;

/// <summary>
/// The pipeline's bus sink: assigns every prompt event to its workflow (the same <see cref="SessionInferrer"/> the reports use),
/// keeps running totals (the first step of an inferred conversation waits packed in <see cref="PendingSteps"/> until a
/// second one makes it a workflow), emits <c>started</c>/<c>progress</c> WorkflowEvents, and on <see cref="CloseIdle"/> emits
/// <c>completed</c>/<c>failed</c> and hands the workflow's steps to the analysis queue. Runs on its own bus consumer loop,
/// never on the request path.
/// </summary>
internal sealed class WorkflowTracker(CoachingOptions options, Action<Envelope> publish, Action<ActiveWorkflow> onIdle) : IEventSink
{
    private readonly Lock _lock = new();
    private readonly Dictionary<WorkflowKey, LinkedListNode<ActiveWorkflow>> _active = [];
    // Inferred workflows by chain: their id string is built once, when the chain becomes a workflow.
    private readonly Dictionary<long, LinkedListNode<ActiveWorkflow>> _inferred = [];
    // Most recently observed first: the eviction victim at the cap is the tail, O(1) instead of a scan of every
    // active workflow per new one.
    private readonly LinkedList<ActiveWorkflow> _recency = new();
    private readonly PendingSteps _pending = new(options.MaxActiveWorkflows);
    private readonly SessionInferrer _inferrer = new(options.Workflow.ChainMaxGap, options.MaxTrackedConversations);

    public string Name => "coaching";

    /// <summary>Coaching is not latency-critical: one batch per 50 ms under load instead of a consumer wake-up per bus wake.</summary>
    public TimeSpan BatchInterval => TimeSpan.FromMilliseconds(50);

    /// <summary>Workflows being watched, counting conversations of one step so far (each could become one).</summary>
    public int ActiveCount
    {
        get
        {
            lock (_lock)
            {
                return _active.Count + _inferred.Count + _pending.Count;
            }
        }
    }

    public ValueTask WriteBatchAsync(IReadOnlyList<Envelope> batch, CancellationToken cancellationToken)
    {
        var slice = CpuSlice.Start(batch);
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i] is { Type: EventTypes.Prompt, Prompt: { } prompt } envelope)
            {
                Observe(StepRow.FromPrompt(envelope.Id, prompt, envelope.Source));
                slice.Check(); // outside Observe's lock
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    internal void Observe(StepRow row)
    {
        Envelope? toPublish = null;
        ActiveWorkflow? evicted = null;
        lock (_lock)
        {
            var step = _inferrer.AssignStep(row);
            if (step.IsNone)
            {
                return;
            }

            // An inferred chain is only a workflow from its MinInferredSteps-th step on (a lone request is not one).
            var startAt = step.IsInferred ? Math.Max(1, options.Workflow.MinInferredSteps) : 1;
            ActiveWorkflow workflow;
            if ((step.IsInferred ? _inferred.TryGetValue(step.ChainBits, out var node) : _active.TryGetValue(step.Explicit, out node)) && node is not null)
            {
                workflow = node.Value;
                _recency.Remove(node);
                _recency.AddFirst(node);
            }
            else
            {
                StepRow? first = null;
                if (step.IsInferred && startAt > 1 && !_pending.TryTake(step.ChainBits, out first))
                {
                    // The conversation's first step: held packed until a second one makes it a workflow.
                    _pending.Add(step.ChainBits, row);
                    return;
                }

                if (_active.Count + _inferred.Count >= options.MaxActiveWorkflows && _recency.Last is { } oldest)
                {
                    evicted = oldest.Value;
                    _recency.RemoveLast();
                    Forget(evicted);
                }

                var key = step.IsInferred ? new WorkflowKey(SessionInferrer.ChainId(step.ChainBits), WorkflowKinds.Inferred) : step.Explicit;
                workflow = new ActiveWorkflow(key, step.ChainBits);
                var created = _recency.AddFirst(workflow);
                if (step.IsInferred)
                {
                    _inferred[step.ChainBits] = created;
                }
                else
                {
                    _active[key] = created;
                }

                if (first is not null)
                {
                    workflow.Add(first, options.MaxStepsPerWorkflow);
                }
            }

            workflow.Add(row, options.MaxStepsPerWorkflow);
            if (workflow.StepCount == startAt)
            {
                toPublish = workflow.ToEnvelope(WorkflowStates.Started);
            }
            else if (workflow.StepCount > startAt && options.Workflow.ProgressEvery > 0 && workflow.StepCount % options.Workflow.ProgressEvery == 0)
            {
                toPublish = workflow.ToEnvelope(WorkflowStates.Progress);
            }
        }

        if (evicted is not null)
        {
            Close(evicted);
        }

        if (toPublish is not null)
        {
            publish(toPublish);
        }
    }

    private void Forget(ActiveWorkflow workflow)
    {
        if (workflow.Key.Kind == WorkflowKinds.Inferred)
        {
            _inferred.Remove(workflow.ChainBits);
        }
        else
        {
            _active.Remove(workflow.Key);
        }
    }

    /// <summary>Closes every workflow without a step for <see cref="WorkflowOptions.IdleTimeout"/>; returns how many.</summary>
    public int CloseIdle(DateTimeOffset now)
    {
        List<ActiveWorkflow>? idle = null;
        lock (_lock)
        {
            for (var node = _recency.First; node is not null;)
            {
                var next = node.Next;
                if (now - node.Value.LastActivity >= options.Workflow.IdleTimeout)
                {
                    (idle ??= []).Add(node.Value);
                    _recency.Remove(node);
                    Forget(node.Value);
                }

                node = next;
            }

            _pending.RemoveIdle(now, options.Workflow.IdleTimeout); // lone steps: not workflows, nothing to publish
            _inferrer.Prune(now);
        }

        if (idle is null)
        {
            return 0;
        }

        foreach (var w in idle)
        {
            Close(w);
        }

        return idle.Count;
    }

    private void Close(ActiveWorkflow workflow)
    {
        var isWorkflow = workflow.Key.Kind != WorkflowKinds.Inferred || workflow.StepCount >= options.Workflow.MinInferredSteps;
        if (!isWorkflow)
        {
            return;
        }

        publish(workflow.ToEnvelope(workflow.LastFailed ? WorkflowStates.Failed : WorkflowStates.Completed));
        onIdle(workflow);
    }
}

/// <summary>A workflow the daemon is watching: running totals plus its recent steps for the idle analysis.</summary>
internal sealed class ActiveWorkflow(WorkflowKey key, long chainBits = 0)
{
    public WorkflowKey Key { get; } = key;

    /// <summary>The inferred chain's <see cref="StepAssignment.ChainBits"/> (0 for an explicit workflow or session).</summary>
    public long ChainBits { get; } = chainBits;
    public List<StepRow> Steps { get; } = [];
    public int StepCount { get; private set; }
    public long InputTokens { get; private set; }
    public long OutputTokens { get; private set; }
    public long CachedInputTokens { get; private set; }
    public decimal? CostUsd { get; private set; }
    public DateTimeOffset First { get; private set; }
    public DateTimeOffset Last { get; private set; }
    /// <summary>When the latest step finished (start + latency): idleness is measured from here.</summary>
    public DateTimeOffset LastActivity { get; private set; }
    public bool LastFailed { get; private set; }
    public string? AgentId { get; private set; }
    public string? SessionId { get; private set; }

    public void Add(StepRow row, int maxSteps)
    {
        if (StepCount == 0 || row.Timestamp < First)
        {
            First = row.Timestamp;
        }

        StepCount++;
        InputTokens += row.Context;
        OutputTokens += row.OutputTokens ?? 0;
        CachedInputTokens += row.CachedInputTokens ?? 0;
        if (row.CostUsd is { } c)
        {
            CostUsd = (CostUsd ?? 0) + c;
        }

        if (row.Timestamp >= Last)
        {
            Last = row.Timestamp;
            LastFailed = row.Failed;
        }

        var done = row.Timestamp.AddMilliseconds(row.LatencyMs);
        if (done > LastActivity)
        {
            LastActivity = done;
        }

        AgentId ??= row.AgentId;
        SessionId ??= row.SessionId;
        if (Steps.Count >= maxSteps)
        {
            Steps.RemoveAt(0);
        }

        Steps.Add(row);
    }

    public Envelope ToEnvelope(string state) => Envelope.ForWorkflow(new WorkflowEvent
    {
        WorkflowId = Key.Id,
        State = state,
        StepCount = StepCount,
        InputTokens = InputTokens,
        OutputTokens = OutputTokens,
        CachedInputTokens = CachedInputTokens,
        CostUsd = CostUsd,
        FirstTimestamp = First,
        LastTimestamp = Last,
        AgentId = AgentId,
        SessionId = SessionId,
    }, Last, EventSources.Daemon);
}
