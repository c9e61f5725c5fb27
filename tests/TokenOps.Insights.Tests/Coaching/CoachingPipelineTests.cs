using System.Collections.Concurrent;
using TokenOps.Core.Bus;
using TokenOps.Core.Events;
using TokenOps.Insights.Coaching;
using TokenOps.Insights.Waste;
using TokenOps.Testing.Time;

namespace TokenOps.Insights.Tests.Coaching;

public sealed class CoachingPipelineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    private sealed class RecordingPublisher : IEventPublisher
    {
        public ConcurrentQueue<Envelope> Published { get; } = new();

        public bool TryPublish(Envelope envelope)
        {
            Published.Enqueue(envelope);
            return true;
        }
    }

    private static Envelope Prompt(DateTimeOffset at, string id) => new()
    {
        Id = id,
        Type = EventTypes.Prompt,
        Timestamp = at,
        Prompt = new PromptEvent
        {
            Provider = Providers.OpenAI, Operation = "chat", RequestModel = "gpt-4o", ResponseModel = "gpt-4o", StartedAt = at, StatusCode = 200,
            InputTokens = 2000, OutputTokens = 100, CostUsd = 0.006m, PromptHash = "same-request", WorkflowId = "nightly", LatencyMs = 800,
        },
    };

    [Fact]
    public async Task Pipeline_WorkflowGoesIdle_CompletedEventAndFindingsPublishedOnce()
    {
        var time = new ManualTimeProvider(T0);
        var publisher = new RecordingPublisher();
        await using var pipeline = new CoachingPipeline(
            new InsightsOptions { StorePath = Path.Combine(Path.GetTempPath(), "tokenops-none-" + Guid.NewGuid().ToString("N"), "events.db"), Time = time },
            new CoachingOptions());
        pipeline.Start(publisher);

        await pipeline.Sink.WriteBatchAsync([Prompt(T0, "a"), Prompt(T0.AddSeconds(30), "b"), Prompt(T0.AddSeconds(60), "c")], default);
        Assert.Equal(1, pipeline.ActiveWorkflows);
        var started = Assert.Single(publisher.Published);
        Assert.Equal(WorkflowStates.Started, started.Workflow!.State);

        time.Advance(TimeSpan.FromMinutes(2)); // not idle yet (idle = 5 min after the last step finished)
        Assert.Equal(1, pipeline.ActiveWorkflows);
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(await pipeline.WaitForProcessedAsync(1, TimeSpan.FromSeconds(10)));

        Assert.Equal(0, pipeline.ActiveWorkflows);
        var workflowEvents = publisher.Published.Where(e => e.Type == EventTypes.Workflow).Select(e => e.Workflow!).ToList();
        Assert.Equal([WorkflowStates.Started, WorkflowStates.Completed], workflowEvents.Select(w => w.State));
        Assert.Equal(3, workflowEvents[1].StepCount);
        Assert.Equal(6000, workflowEvents[1].InputTokens);
        Assert.Equal(0.018m, workflowEvents[1].CostUsd);

        var finding = Assert.Single(publisher.Published, e => e.Type == EventTypes.Coaching);
        Assert.Equal(WasteKinds.RepeatedRequest, finding.Coaching!.Kind);
        Assert.Equal(["a", "b", "c"], finding.Coaching.EvidenceEventIds);
        Assert.Equal(0.012m, finding.Coaching.EstimatedUsdSaved);
        Assert.Equal("nightly", finding.Coaching.WorkflowId);

        // The same workflow seen again (e.g. replayed) yields the same finding id: not published twice.
        await pipeline.Sink.WriteBatchAsync([Prompt(T0, "a"), Prompt(T0.AddSeconds(30), "b"), Prompt(T0.AddSeconds(60), "c")], default);
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.True(await pipeline.WaitForProcessedAsync(2, TimeSpan.FromSeconds(10)));
        Assert.Single(publisher.Published, e => e.Type == EventTypes.Coaching);
        Assert.Equal(1, pipeline.FindingsPublished);
        Assert.Equal(0, pipeline.Dropped);
    }
}
