using TokenOps.Core.Events;
using TokenOps.Core.Pricing;
using TokenOps.Insights.Waste;
using TokenOps.Insights.Workflow;

namespace TokenOps.Insights.Tests.Waste;

/// <summary>Per rule: a fixture workflow that triggers it and a near miss that does not.</summary>
public sealed class WasteRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    private static readonly CostCalculator Calculator = new(RateCard.Embedded);
    private int _next;

    private StepRow Step(int second, string model = "gpt-4o", string provider = Providers.OpenAI, long input = 1000, long output = 100,
        long cached = 0, string? workflow = "wf", string? prompt = null, int status = 200, string? finish = "stop", string? messages = null,
        string? parent = null, int? messageCount = null, string? toolHash = null, int? toolTokens = null, int? toolCount = null, int toolCalls = 0,
        string? agent = null)
    {
        var e = new PromptEvent
        {
            Provider = provider, RequestModel = model, ResponseModel = model, InputTokens = status < 400 ? input : null,
            OutputTokens = status < 400 ? output : null, CachedInputTokens = cached, StatusCode = status, StartedAt = T0.AddSeconds(second),
        };
        Calculator.Stamp(e);
        var id = "e" + (++_next).ToString("D3", System.Globalization.CultureInfo.InvariantCulture);
        return new StepRow
        {
            Id = id, Timestamp = e.StartedAt, Provider = provider, Model = model, Operation = "chat", WorkflowId = workflow, AgentId = agent,
            PromptHash = prompt ?? "p-" + id, MessagesHash = messages, ParentMessagesHash = parent, MessageCount = messageCount,
            InputTokens = e.InputTokens, OutputTokens = e.OutputTokens, CachedInputTokens = cached, CostUsd = e.CostUsd, StatusCode = status,
            ErrorType = status >= 400 ? "rate_limit_error" : null, FinishReason = status < 400 ? finish : null, LastToolCallHash = toolHash,
            ToolDefinitionTokens = toolTokens, ToolCount = toolCount, ToolCallCount = toolCalls, LatencyMs = 500,
        };
    }

    private static List<WasteFinding> Detect(params StepRow[] rows) =>
        new WasteDetector(new WasteThresholds(), RateCard.Embedded, new WorkflowOptions()).Detect(rows);

    private static List<WasteFinding> Of(List<WasteFinding> findings, string kind) => findings.FindAll(f => f.Kind == kind);

    [Fact]
    public void RepeatedRequest_SameHashWithinWindow_FindsRepeatsCost()
    {
        var a = Step(0, prompt: "same");
        var b = Step(60, prompt: "same");
        var c = Step(120, prompt: "same");
        var f = Assert.Single(Of(Detect(a, b, c), WasteKinds.RepeatedRequest));
        Assert.Equal([a.Id, b.Id, c.Id], f.EvidenceEventIds);
        Assert.Equal(b.CostUsd!.Value + c.CostUsd!.Value, f.EstimatedUsdSaved);
        Assert.Equal(2 * 1100, f.EstimatedTokensSaved);
        Assert.Equal(WasteFinding.IdFor(WasteKinds.RepeatedRequest, [c.Id, a.Id, b.Id]), f.Id);
    }

    [Fact]
    public void RepeatedRequest_NearMiss_FarApartOrDifferent_NoFinding()
    {
        Assert.Empty(Of(Detect(Step(0, prompt: "same"), Step(2 * 3600, prompt: "same"), Step(2 * 3600 + 5, prompt: "other")), WasteKinds.RepeatedRequest));
    }

    [Fact]
    public void RetryStorm_ThreeQuickFailures_Found()
    {
        var f = Assert.Single(Of(Detect(Step(0, prompt: "r", status: 429), Step(1, prompt: "r", status: 429), Step(2, prompt: "r", status: 429), Step(3, prompt: "r")), WasteKinds.RetryStorm));
        Assert.Equal(3, f.EvidenceEventIds.Count);
        Assert.Contains("rate_limit_error", f.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void RetryStorm_NearMiss_TwoFailuresOrSlowRetries_NoFinding()
    {
        Assert.Empty(Of(Detect(Step(0, prompt: "r", status: 429), Step(1, prompt: "r", status: 429), Step(2, prompt: "r")), WasteKinds.RetryStorm));
        Assert.Empty(Of(Detect(Step(0, prompt: "s", status: 500), Step(600, prompt: "s", status: 500), Step(1200, prompt: "s", status: 500)), WasteKinds.RetryStorm));
    }

    [Fact]
    public void OversizedContext_AboveHalfTheWindow_SavesTheExcess()
    {
        var big = Step(0, input: 80_000); // gpt-4o: 128k window → limit 64k
        var f = Assert.Single(Of(Detect(big), WasteKinds.OversizedContext));
        Assert.Equal(16_000, f.EstimatedTokensSaved);
        Assert.Equal(16_000 * 2.5m / 1_000_000m, f.EstimatedUsdSaved);
    }

    [Fact]
    public void OversizedContext_NearMiss_LargeModelWindow_NoFinding()
    {
        Assert.Empty(Of(Detect(Step(0, model: "gpt-4.1", input: 90_000)), WasteKinds.OversizedContext));
    }

    [Fact]
    public void RunawayContext_GrowingEveryStep_Found()
    {
        var steps = new[] { Step(0, input: 5_000), Step(10, input: 9_000), Step(20, input: 14_000), Step(30, input: 20_000), Step(40, input: 26_000) };
        var f = Assert.Single(Of(Detect(steps), WasteKinds.RunawayContextGrowth));
        Assert.Equal((14_000 - 10_000) + (20_000 - 10_000) + (26_000 - 10_000), f.EstimatedTokensSaved);
        Assert.Equal("wf", f.WorkflowId);
    }

    [Fact]
    public void RunawayContext_NearMiss_OnlyDoubled_NoFinding()
    {
        Assert.Empty(Of(Detect(Step(0, input: 12_000), Step(10, input: 15_000), Step(20, input: 18_000), Step(30, input: 21_000), Step(40, input: 24_000)), WasteKinds.RunawayContextGrowth));
    }

    [Fact]
    public void AgentLoop_SameToolCallThreeTurns_Found()
    {
        var f = Assert.Single(Of(Detect(Step(0, toolHash: "x", agent: "coder"), Step(5, toolHash: "x", agent: "coder"), Step(10, toolHash: "x", agent: "coder"), Step(15, toolHash: "y", agent: "coder")), WasteKinds.AgentLoop));
        Assert.Equal(3, f.EvidenceEventIds.Count);
        Assert.Contains("agent coder", f.Summary, StringComparison.Ordinal);
        Assert.Equal(2 * 1100, f.EstimatedTokensSaved);
    }

    [Fact]
    public void AgentLoop_NearMiss_TwoRepeatsOrProgress_NoFinding()
    {
        Assert.Empty(Of(Detect(Step(0, toolHash: "x"), Step(5, toolHash: "x"), Step(10, toolHash: "y"), Step(15, toolHash: "x")), WasteKinds.AgentLoop));
    }

    [Fact]
    public void PromptCacheMissed_ChainedStepsWithoutCachedTokens_DollarsLost()
    {
        var s1 = Step(0, model: "claude-sonnet-4-5", provider: Providers.Anthropic, input: 4000, messages: "m1");
        var s2 = Step(10, model: "claude-sonnet-4-5", provider: Providers.Anthropic, input: 5000, messages: "m2", parent: "m1");
        var s3 = Step(20, model: "claude-sonnet-4-5", provider: Providers.Anthropic, input: 6000, messages: "m3", parent: "m2");
        var f = Assert.Single(Of(Detect(s1, s2, s3), WasteKinds.PromptCacheMissed));
        Assert.Equal(9000, f.EstimatedTokensSaved);
        Assert.Equal(9000 * (3.0m - 0.3m) / 1_000_000m, f.EstimatedUsdSaved);
        Assert.Contains("cache_control", f.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void PromptCacheMissed_NearMiss_CachedTokensReported_NoFinding()
    {
        Assert.Empty(Of(Detect(
            Step(0, input: 4000, messages: "m1"), Step(10, input: 5000, cached: 3840, messages: "m2", parent: "m1"),
            Step(20, input: 6000, cached: 4864, messages: "m3", parent: "m2")), WasteKinds.PromptCacheMissed));
    }

    [Fact]
    public void OutputTruncated_LengthThenContinuation_Found()
    {
        var cut = Step(0, input: 3000, finish: "length", messages: "m1");
        var next = Step(30, input: 4000, messages: "m2", parent: "m1");
        var f = Assert.Single(Of(Detect(cut, next), WasteKinds.OutputTruncated));
        Assert.Equal([cut.Id, next.Id], f.EvidenceEventIds);
        Assert.Equal(4000, f.EstimatedTokensSaved);
    }

    [Fact]
    public void OutputTruncated_NearMiss_NoContinuationOrNormalStop_NoFinding()
    {
        Assert.Empty(Of(Detect(Step(0, finish: "length", messages: "a"), Step(30, messages: "b", parent: "zzz")), WasteKinds.OutputTruncated));
        Assert.Empty(Of(Detect(Step(0, finish: "stop", messages: "a"), Step(30, messages: "b", parent: "a")), WasteKinds.OutputTruncated));
    }

    [Fact]
    public void ExpensiveModel_TrivialCallsOnOpus_PricedAgainstHaiku()
    {
        var steps = new StepRow[5];
        for (var i = 0; i < 5; i++)
        {
            steps[i] = Step(i * 10, model: "claude-opus-4-5", provider: Providers.Anthropic, input: 200, output: 20, workflow: null);
        }

        var f = Assert.Single(Of(Detect(steps), WasteKinds.ExpensiveModelTrivial));
        // opus 4.5: 5/25 per M; haiku 4.5: 1/5 per M → per call (200×4 + 20×20)/1e6.
        Assert.Equal(5 * (200 * 4m + 20 * 20m) / 1_000_000m, f.EstimatedUsdSaved);
        Assert.Contains("claude-haiku-4-5", f.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpensiveModel_NearMiss_CheapModelOrLongPrompts_NoFinding()
    {
        var steps = new List<StepRow>();
        for (var i = 0; i < 5; i++)
        {
            steps.Add(Step(i * 10, model: "gpt-4o-mini", input: 200, output: 20, workflow: null));
            steps.Add(Step(i * 10 + 1, model: "claude-opus-4-5", provider: Providers.Anthropic, input: 5000, output: 20, workflow: null));
        }

        Assert.Empty(Of(Detect([.. steps]), WasteKinds.ExpensiveModelTrivial));
    }

    [Fact]
    public void UnusedTools_LargeSchemasNeverCalled_Found()
    {
        var f = Assert.Single(Of(Detect(Step(0, input: 5000, toolTokens: 2000, toolCount: 12), Step(10, input: 5000, toolTokens: 2000, toolCount: 12), Step(20, input: 5000, toolTokens: 2000, toolCount: 12)), WasteKinds.UnusedTools));
        Assert.Equal(6000, f.EstimatedTokensSaved);
        Assert.Contains("12 tool definitions", f.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void UnusedTools_NearMiss_ToolCalledOnce_NoFinding()
    {
        Assert.Empty(Of(Detect(Step(0, toolTokens: 2000), Step(10, toolTokens: 2000, toolCalls: 1), Step(20, toolTokens: 2000)), WasteKinds.UnusedTools));
        Assert.Empty(Of(Detect(Step(0, toolTokens: 2000), Step(10, toolTokens: 2000, finish: "tool_calls"), Step(20, toolTokens: 2000)), WasteKinds.UnusedTools));
    }

    [Fact]
    public void Finding_EnvelopeRoundTrip_KeepsFixEvidenceAndSavings()
    {
        var f = Assert.Single(Of(Detect(Step(0, prompt: "same"), Step(1, prompt: "same")), WasteKinds.RepeatedRequest));
        var back = WasteFinding.FromEnvelope(Core.Json.EnvelopeJson.Deserialize(Core.Json.EnvelopeJson.Serialize(f.ToEnvelope())));
        Assert.NotNull(back);
        Assert.Equal(f.Id, back.Id);
        Assert.Equal(f.Fix, back.Fix);
        Assert.Equal(f.Details, back.Details);
        Assert.Equal(f.EvidenceEventIds, back.EvidenceEventIds);
        Assert.Equal(f.EstimatedUsdSaved, back.EstimatedUsdSaved);
        Assert.Equal(EventTypes.Coaching, f.ToEnvelope().Type);
    }

    [Fact]
    public void SessionInferrer_ChainsByParentHash_SplitsOnGapAndCredential()
    {
        var a = Step(0, workflow: null, messages: "m1");
        var b = Step(10, workflow: null, messages: "m2", parent: "m1");
        var c = Step(20, workflow: null, messages: "m3", parent: "m2");
        var late = Step(20 + 3600, workflow: null, messages: "m4", parent: "m3");
        var other = Step(30, workflow: null, messages: "x1");
        var groups = SessionInferrer.Group([a, b, other, c, late], TimeSpan.FromMinutes(30));

        Assert.Equal(3, groups.Count);
        Assert.Equal(WorkflowKinds.Inferred, groups[0].Key.Kind);
        Assert.Equal(SessionInferrer.ChainId(a.Id), groups[0].Key.Id);
        Assert.Equal([a.Id, b.Id, c.Id], groups[0].Steps.ConvertAll(s => s.Id));
        Assert.Equal([other.Id], groups[1].Steps.ConvertAll(s => s.Id));
        Assert.Equal([late.Id], groups[2].Steps.ConvertAll(s => s.Id));
    }
}
