using TokenOps.Core.Events;
using TokenOps.Insights.Coaching;
using TokenOps.Insights.Workflow;

namespace TokenOps.Insights.Tests.Coaching;

public sealed class WorkflowTrackerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    private static StepRow Step(string workflowId, int second) => new()
    {
        Id = workflowId + "-" + second,
        Timestamp = T0.AddSeconds(second),
        Provider = Providers.OpenAI,
        Operation = "chat",
        Model = "gpt-4o",
        WorkflowId = workflowId,
        StatusCode = 200,
    };

    [Fact]
    public void Observe_AtTheCap_EvictsTheLeastRecentlyObservedWorkflowAndClosesIt()
    {
        var published = new List<Envelope>();
        var idled = new List<string>();
        var tracker = new WorkflowTracker(new CoachingOptions { MaxActiveWorkflows = 2 }, published.Add, w => idled.Add(w.Key.Id));

        tracker.Observe(Step("a", 0));
        tracker.Observe(Step("b", 1));
        tracker.Observe(Step("a", 2)); // a is now the most recent: b is the next victim
        tracker.Observe(Step("c", 3));

        Assert.Equal(2, tracker.ActiveCount);
        Assert.Equal(["b"], idled);
        var completed = Assert.Single(published, e => e.Workflow!.State == WorkflowStates.Completed);
        Assert.Equal("b", completed.Workflow!.WorkflowId);

        tracker.Observe(Step("d", 4)); // then a (last seen at 2 s), not c
        Assert.Equal(["b", "a"], idled);
    }

    [Fact]
    public void CloseIdle_ClosesOnlyWorkflowsPastTheIdleTimeout_AndTheRestStayEvictableInOrder()
    {
        var idled = new List<string>();
        var options = new CoachingOptions { MaxActiveWorkflows = 3 };
        var tracker = new WorkflowTracker(options, _ => { }, w => idled.Add(w.Key.Id));
        tracker.Observe(Step("a", 0));
        tracker.Observe(Step("b", 600));
        tracker.Observe(Step("c", 601));

        Assert.Equal(1, tracker.CloseIdle(T0.AddSeconds(600) + options.Workflow.IdleTimeout - TimeSpan.FromSeconds(1)));
        Assert.Equal(["a"], idled);
        Assert.Equal(2, tracker.ActiveCount);

        tracker.Observe(Step("d", 602));
        tracker.Observe(Step("e", 603)); // cap 3: b is the oldest left
        Assert.Equal(["a", "b"], idled);
    }
}

public sealed class WorkflowTrackerInferredTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);

    private static string Hex(int i) => i.ToString("x32");

    private static StepRow Turn(string id, int second, int messages, int? parent) => new()
    {
        Id = id,
        Timestamp = T0.AddSeconds(second),
        Provider = Providers.OpenAI,
        Operation = "chat",
        Model = "gpt-4o-mini",
        CredentialHash = "cred",
        MessagesHash = Hex(messages),
        ParentMessagesHash = parent is { } p ? Hex(p) : null,
        PromptHash = new string('e', 64),
        InputTokens = 1000 * messages,
        StatusCode = 200,
        LatencyMs = 500,
    };

    [Fact]
    public void SecondTurn_StartsTheWorkflow_WithTheFirstTurnIntact()
    {
        var published = new List<Envelope>();
        var idled = new List<ActiveWorkflow>();
        var tracker = new WorkflowTracker(new CoachingOptions(), published.Add, idled.Add);
        var first = Turn(Guid.CreateVersion7().ToString(), 0, 1, null);

        tracker.Observe(first);
        Assert.Empty(published); // a lone request is not a workflow
        Assert.Equal(1, tracker.ActiveCount);

        tracker.Observe(Turn("second", 5, 2, parent: 1));
        var started = Assert.Single(published).Workflow!;
        Assert.Equal(WorkflowStates.Started, started.State);
        Assert.Equal(SessionInferrer.ChainId(first.Id), started.WorkflowId);
        Assert.Equal(2, started.StepCount);
        Assert.Equal(3000, started.InputTokens);
        Assert.Equal(T0, started.FirstTimestamp);

        tracker.Observe(Turn("third", 10, 3, parent: 2));
        Assert.Equal(1, tracker.ActiveCount);
        Assert.Equal(1, tracker.CloseIdle(T0.AddSeconds(10.5) + new WorkflowOptions().IdleTimeout));
        var workflow = Assert.Single(idled);
        Assert.Equal([first.Id, "second", "third"], workflow.Steps.Select(s => s.Id));
        Assert.Equal(first.PromptHash, workflow.Steps[0].PromptHash);
        Assert.Equal(first.MessagesHash, workflow.Steps[0].MessagesHash);
        Assert.Equal(WorkflowStates.Completed, published[^1].Workflow!.State);
        Assert.Equal(3, published[^1].Workflow!.StepCount);
    }

    [Fact]
    public void ManyOneOffRequests_AreBoundedByTheCap_AndNeverPublished()
    {
        var published = new List<Envelope>();
        var tracker = new WorkflowTracker(new CoachingOptions { MaxActiveWorkflows = 100 }, published.Add, _ => { });
        for (var i = 0; i < 10_000; i++)
        {
            tracker.Observe(Turn("one-off-" + i, i / 100, 1_000_000 + i, null));
        }

        Assert.Equal(100, tracker.ActiveCount);
        Assert.Empty(published);

        // The newest one-off is still pending: its continuation starts a workflow; the oldest is forgotten.
        tracker.Observe(Turn("follow-up", 100, 5, parent: 1_000_000 + 9_999));
        Assert.Equal(2, Assert.Single(published).Workflow!.StepCount);
        tracker.Observe(Turn("late", 100, 6, parent: 1_000_000));
        Assert.Single(published);
    }

    [Fact]
    public void CloseIdle_DropsLoneTurns_SoALateContinuationStartsOver()
    {
        var published = new List<Envelope>();
        var tracker = new WorkflowTracker(new CoachingOptions(), published.Add, _ => { });
        tracker.Observe(Turn("first", 0, 1, null));

        tracker.CloseIdle(T0.AddSeconds(0.5) + new WorkflowOptions().IdleTimeout);
        Assert.Equal(0, tracker.ActiveCount);

        tracker.Observe(Turn("second", 400, 2, parent: 1)); // same chain (within the chain gap), but its first turn went idle
        Assert.Empty(published);
        tracker.Observe(Turn("third", 405, 3, parent: 2));
        Assert.Equal(2, Assert.Single(published).Workflow!.StepCount);
    }
}
