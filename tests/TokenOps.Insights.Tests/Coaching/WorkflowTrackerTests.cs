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
