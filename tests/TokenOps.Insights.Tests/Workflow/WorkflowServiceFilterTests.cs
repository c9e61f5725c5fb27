using TokenOps.Insights.Workflow;

namespace TokenOps.Insights.Tests.Workflow;

/// <summary>
/// <see cref="WorkflowService.List"/> with provider/model filters over a real store: an explicit workflow spanning two
/// providers, an OpenAI session, and an Anthropic conversation (no id header, chained by prefix) that switches model every turn.
/// A filtered list shows the workflows with a matching step, under their unfiltered ids, counting only the matching steps.
/// </summary>
public sealed class WorkflowServiceFilterTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Since = Now.AddDays(-7);
    private static readonly DateTimeOffset T0 = Now.AddHours(-6);
    private readonly FixtureStore _store = new();
    private readonly WorkflowService _service;

    public WorkflowServiceFilterTests()
    {
        // wf-mixed: Sonnet plans, Haiku and GPT-4o work.
        _store.Add(T0, "anthropic", "claude-sonnet-4-5", cost: 0.05, input: 3_000, output: 300, workflow: "wf-mixed");
        _store.Add(T0.AddMinutes(1), "anthropic", "claude-haiku-4-5", cost: 0.002, input: 800, output: 80, workflow: "wf-mixed");
        _store.Add(T0.AddMinutes(2), "openai", "gpt-4o", cost: 0.01, input: 1_000, output: 100, workflow: "wf-mixed");
        // sess-openai: two GPT-4o calls.
        _store.Add(T0.AddMinutes(10), "openai", "gpt-4o", cost: 0.03, input: 2_500, output: 200, session: "sess-openai");
        _store.Add(T0.AddMinutes(11), "openai", "gpt-4o", cost: 0.04, input: 3_500, output: 250, session: "sess-openai");
        // A conversation chained by prefix: Sonnet, Haiku, Sonnet (each turn's parent is the previous turn's messages).
        _store.Add(T0.AddMinutes(20), "anthropic", "claude-sonnet-4-5", cost: 0.06, input: 4_000, output: 100, messagesHash: "m0");
        _store.Add(T0.AddMinutes(21), "anthropic", "claude-haiku-4-5", cost: 0.003, input: 4_200, output: 100, messagesHash: "m1", parentMessagesHash: "m0");
        _store.Add(T0.AddMinutes(22), "anthropic", "claude-sonnet-4-5", cost: 0.07, input: 4_400, output: 100, messagesHash: "m2", parentMessagesHash: "m1");
        _service = new WorkflowService(_store.Options(Now));
    }

    public void Dispose() => _store.Dispose();

    [Fact]
    public void List_NoFilter_ThreeWorkflowsWithAllTheirSteps()
    {
        var report = _service.List(Since, Now);

        var chain = Chain(report);
        Assert.Equal(3, report.WorkflowCount);
        Assert.Equal([(chain.Id, 3, 0.133m), ("sess-openai", 2, 0.07m), ("wf-mixed", 3, 0.062m)], Rows(report));
        Assert.Equal(["claude-sonnet-4-5", "claude-haiku-4-5", "gpt-4o"], report.Workflows.Single(static w => w.Id == "wf-mixed").Models);
    }

    [Fact]
    public void List_ProviderOpenAi_AnthropicOnlyWorkflowsDisappear_MixedCountsItsOpenAiStep()
    {
        var report = _service.List(Since, Now, provider: "openai");

        Assert.Equal(2, report.WorkflowCount);
        Assert.Equal([("sess-openai", 2, 0.07m), ("wf-mixed", 1, 0.01m)], Rows(report));
        var mixed = report.Workflows[1];
        Assert.Equal("openai", mixed.Provider);
        Assert.Equal(["gpt-4o"], mixed.Models);
        Assert.Equal(1_000, mixed.InputTokens);
        Assert.Equal(T0.AddMinutes(2), mixed.FirstTimestamp);
    }

    [Fact]
    public void List_ProviderAnthropic_SessionDisappears_TotalsAreAnthropics()
    {
        var unfiltered = Chain(_service.List(Since, Now)).Id;
        var report = _service.List(Since, Now, provider: "anthropic");

        Assert.Equal([(unfiltered, 3, 0.133m), ("wf-mixed", 2, 0.052m)], Rows(report));
        Assert.Equal(3_000 + 800, report.Workflows[1].InputTokens);
    }

    [Fact]
    public void List_ModelSonnet_ChainKeepsItsIdAndCountsItsSonnetTurns()
    {
        var unfiltered = Chain(_service.List(Since, Now)).Id;
        var report = _service.List(Since, Now, model: "claude-sonnet-4-5");

        // The Haiku turn between the two Sonnet turns still links them: one chain, the id `trace` knows, not two orphans.
        Assert.Equal([(unfiltered, 2, 0.13m), ("wf-mixed", 1, 0.05m)], Rows(report));
        var chain = report.Workflows[0];
        Assert.Equal(["claude-sonnet-4-5"], chain.Models);
        Assert.Equal(4_000 + 4_400, chain.InputTokens);
        Assert.Equal(4_400, chain.PeakContextTokens);
        Assert.Equal(T0.AddMinutes(20), chain.FirstTimestamp);
        Assert.Equal(T0.AddMinutes(22), chain.LastTimestamp);
        Assert.Equal(3, _service.Trace(unfiltered, Since, Now)!.Steps.Count); // the trace is unfiltered
    }

    [Fact]
    public void List_ModelHaiku_OneMatchingTurnIsEnoughForAChainOfThree()
    {
        var unfiltered = Chain(_service.List(Since, Now)).Id;
        var report = _service.List(Since, Now, model: "claude-haiku-4-5");

        Assert.Equal([(unfiltered, 1, 0.003m), ("wf-mixed", 1, 0.002m)], Rows(report));
    }

    [Fact]
    public void List_ProviderAndModelThatNeverMet_Empty()
    {
        var report = _service.List(Since, Now, provider: "openai", model: "claude-haiku-4-5");

        Assert.Empty(report.Workflows);
        Assert.Equal(0, report.WorkflowCount);
    }

    private static WorkflowSummary Chain(WorkflowListReport report) =>
        report.Workflows.Single(static w => w.Kind == WorkflowKinds.Inferred);

    private static List<(string Id, int Steps, decimal? Cost)> Rows(WorkflowListReport report) =>
        report.Workflows.Select(static w => (w.Id, w.Steps, w.CostUsd)).ToList();
}
