using System.Text.Json;
using System.Text.Json.Nodes;
using TokenOps.Optimizer.Body;
using TokenOps.Optimizer.Pipeline;
using TokenOps.Optimizer.PromptCompress;
using TokenOps.Testing.Time;

namespace TokenOps.Optimizer.Tests.Pipeline;

public sealed class OptimizationPipelineTests
{
    private const string Messy = """{"model":"gpt-4o","messages":[{"role":"user","content":"Please    summarise     this    text.\n\n\n\n\nIt   is   long."}]}""";

    /// <summary>A scripted optimizer: appends a marker to the first text slot, with a given quality; can advance a fake clock or throw.</summary>
    private sealed class Scripted(string kind, double quality, Action? onRun = null, bool shrink = true, bool mayPropose = true) : IOptimizer
    {
        public string Kind => kind;

        public int MayProposeCalls { get; private set; }

        public bool MayPropose(OptimizerLook look)
        {
            MayProposeCalls++;
            return mayPropose;
        }

        public int Calls { get; private set; }

        public JsonObject? Seen { get; private set; }

        public OptimizerProposal? Propose(OptimizerInput input)
        {
            Calls++;
            Seen = (JsonObject)input.Document.Root.DeepClone();
            onRun?.Invoke();
            var slot = input.Document.Slots()[0];
            slot.Text = shrink ? slot.Text[..(slot.Text.Length / 2)] : slot.Text;
            return new OptimizerProposal { Body = input.Document.Root, Quality = quality, Reason = kind + " ran" };
        }
    }

    private sealed class Throwing : IOptimizer
    {
        public string Kind => OptimizerKinds.SemanticDedupe;

        public OptimizerProposal? Propose(OptimizerInput input)
        {
            input.Document.Slots()[0].Text = "half-edited";
            throw new InvalidOperationException("boom");
        }
    }

    [Fact]
    public void Run_Passive_AllSkippedAndBodyUnchanged_SavingsStillMeasured()
    {
        var pipeline = new OptimizationPipeline(new OptimizerOptions(), TestBodies.Stamper);
        var request = TestBodies.Request("openai", Messy);

        var outcome = pipeline.Run(request, PipelineRunMode.Passive);

        var recommendation = Assert.Single(outcome.Recommendations);
        Assert.Equal("skipped", recommendation.Decision);
        Assert.StartsWith("passive: ", recommendation.Reason);
        Assert.EndsWith("would be applied in interactive mode", recommendation.Reason);
        Assert.True(recommendation.EstimatedTokensSaved > 0);
        Assert.True(JsonNode.DeepEquals(TestBodies.Parse(Messy), request.Body));
    }

    [Fact]
    public void Run_Interactive_AppliesAboveMinQualityRejectsBelow()
    {
        var good = new Scripted(OptimizerKinds.PromptCompress, 0.95);
        var poor = new Scripted(OptimizerKinds.SemanticDedupe, 0.5);
        var pipeline = new OptimizationPipeline(new OptimizerOptions { LatencyBudgetMs = 10_000 }, TestBodies.Stamper, null, [good, poor]);

        var outcome = pipeline.Run(TestBodies.Request("openai", Messy), PipelineRunMode.Interactive);

        Assert.Equal(["applied", "rejected"], outcome.Recommendations.Select(r => r.Decision));
        Assert.Contains("quality 0.5 < min_quality 0.85", outcome.Recommendations[1].Reason, StringComparison.Ordinal);
        Assert.Equal("prompt_compress", outcome.AppliedKinds);
        Assert.True(outcome.Changed);
        Assert.Equal(outcome.Recommendations[0].TokensAfter, outcome.TokensAfter);
    }

    [Fact]
    public void Run_Interactive_RewritesCompose()
    {
        var first = new Scripted(OptimizerKinds.PromptCompress, 0.95);
        var second = new Scripted(OptimizerKinds.SemanticDedupe, 0.95);
        var pipeline = new OptimizationPipeline(new OptimizerOptions { LatencyBudgetMs = 10_000 }, TestBodies.Stamper, null, [first, second]);

        var outcome = pipeline.Run(TestBodies.Request("openai", Messy), PipelineRunMode.Interactive);

        var original = TestBodies.Text(TestBodies.Parse(Messy)["messages"]![0]!["content"]);
        Assert.Equal(original[..(original.Length / 2)], TestBodies.Text(second.Seen!["messages"]![0]!["content"]));
        Assert.Equal("prompt_compress,semantic_dedupe", outcome.AppliedKinds);
        Assert.Equal(outcome.Recommendations[0].TokensAfter, outcome.Recommendations[1].TokensBefore);
    }

    [Fact]
    public void Run_KindDisabled_Rejected()
    {
        var options = new OptimizerOptions { Kinds = [OptimizerKinds.ContextTrim], LatencyBudgetMs = 10_000 };
        var pipeline = new OptimizationPipeline(options, TestBodies.Stamper, null, [new PromptCompressor(options)]);

        var outcome = pipeline.Run(TestBodies.Request("openai", Messy), PipelineRunMode.Interactive);

        var recommendation = Assert.Single(outcome.Recommendations);
        Assert.Equal("rejected", recommendation.Decision);
        Assert.Contains("kind disabled", recommendation.Reason, StringComparison.Ordinal);
        Assert.False(outcome.Changed);
    }

    [Fact]
    public void Run_LatencyBudgetSpent_RemainingSkippedWithReason()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        var slow = new Scripted(OptimizerKinds.PromptCompress, 0.95, () => clock.Advance(TimeSpan.FromMilliseconds(3)));
        var next = new Scripted(OptimizerKinds.SemanticDedupe, 0.95);
        var last = new Scripted(OptimizerKinds.ContextTrim, 0.95);
        var pipeline = new OptimizationPipeline(new OptimizerOptions { LatencyBudgetMs = 2 }, TestBodies.Stamper, clock, [slow, next, last]);

        var outcome = pipeline.Run(TestBodies.Request("openai", Messy), PipelineRunMode.Interactive);

        Assert.Equal(["applied", "skipped", "skipped"], outcome.Recommendations.Select(r => r.Decision));
        Assert.All(outcome.Recommendations.Skip(1), r => Assert.Equal("latency_budget", r.Reason));
        Assert.Equal(0, next.Calls);
        Assert.Equal(0, last.Calls);
        Assert.Equal("prompt_compress", outcome.AppliedKinds);
    }

    [Fact]
    public void Run_WithinBudget_AllRun()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        var a = new Scripted(OptimizerKinds.PromptCompress, 0.95, () => clock.Advance(TimeSpan.FromMilliseconds(0.5)));
        var b = new Scripted(OptimizerKinds.SemanticDedupe, 0.95, () => clock.Advance(TimeSpan.FromMilliseconds(0.5)));
        var pipeline = new OptimizationPipeline(new OptimizerOptions { LatencyBudgetMs = 2 }, TestBodies.Stamper, clock, [a, b]);

        var outcome = pipeline.Run(TestBodies.Request("openai", Messy), PipelineRunMode.Interactive);

        Assert.Equal(["applied", "applied"], outcome.Recommendations.Select(r => r.Decision));
    }

    [Fact]
    public void Run_MayProposeFalse_OptimizerNotRunAndNothingRecommended()
    {
        var skipped = new Scripted(OptimizerKinds.ContextTrim, 0.95, mayPropose: false);
        var runs = new Scripted(OptimizerKinds.PromptCompress, 0.95);
        var pipeline = new OptimizationPipeline(new OptimizerOptions { LatencyBudgetMs = 10_000 }, TestBodies.Stamper, null, [skipped, runs]);

        var outcome = pipeline.Run(TestBodies.Request("openai", Messy), PipelineRunMode.Passive);

        Assert.Equal(1, skipped.MayProposeCalls);
        Assert.Equal(0, skipped.Calls);
        Assert.Equal(1, runs.Calls);
        Assert.Equal(OptimizerKinds.PromptCompress, Assert.Single(outcome.Recommendations).Kind);
    }

    [Fact]
    public void Run_InputTokensGiven_UsedInsteadOfCountingAgain()
    {
        var pipeline = new OptimizationPipeline(new OptimizerOptions(), TestBodies.Stamper);
        var request = TestBodies.Request("openai", Messy);
        var counted = pipeline.Run(request, PipelineRunMode.Passive);
        var given = pipeline.Run(new OptimizationRequest
        {
            Provider = request.Provider,
            Operation = request.Operation,
            Model = request.Model,
            Body = request.Body,
            InputTokens = (int)counted.TokensBefore + 1000,
        }, PipelineRunMode.Passive);

        Assert.Equal(TestBodies.Tokens("openai", request.Body), counted.TokensBefore);
        Assert.Equal(counted.TokensBefore + 1000, given.TokensBefore);
        Assert.Equal(counted.TokensBefore + 1000, Assert.Single(given.Recommendations).TokensBefore);
    }

    [Theory]
    [InlineData("""{"model":"gpt-4o","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Summarise request 000000000042 in one line."}]}""", false, false)]
    [InlineData(Messy, true, true)]
    [InlineData("""{"model":"gpt-4o","messages":[{"role":"user","content":"The quick brown fox jumps over the lazy dog near the river bank today while the sun sets slowly behind the distant hills."},{"role":"assistant","content":"ok"},{"role":"user","content":"The quick brown fox jumps over the lazy dog near the river bank today while the sun sets slowly behind the distant hills."}]}""", true, true)]
    [InlineData("""{"model":"gpt-4o","messages":[{"role":"system","content":"You are helpful.\nToday's date is 2026-12-03."},{"role":"user","content":"hi"}]}""", false, true)]
    public void MayPropose_False_OnlyWhenProposeWouldReturnNothing(string json, bool lowThresholds, bool anyMayPropose)
    {
        // Low thresholds make context trim, dedupe and retrieval engage on these small bodies; with the defaults a short
        // chat request needs no copy for any of them.
        var options = lowThresholds
            ? new OptimizerOptions { DedupeMinTokens = 8, ContextTrimMaxTokens = 10, RetrievalMinBlockTokens = 20 }
            : new OptimizerOptions();
        var anyYes = false;
        foreach (var optimizer in OptimizationPipeline.CreateDefault(options))
        {
            var request = TestBodies.Request("openai", json);
            using var parsed = JsonDocument.Parse(json);
            var fromElement = optimizer.MayPropose(Look(request, PromptOutline.Read("openai", request.Operation, parsed.RootElement)!, options));
            var may = optimizer.MayPropose(Look(request, PromptOutline.Of(PromptDocument.Create("openai", request.Operation, request.Body)!), options));
            Assert.Equal(may, fromElement);
            Assert.True(JsonNode.DeepEquals(TestBodies.Parse(json), request.Body)); // read-only
            anyYes |= may;
            if (!may)
            {
                var copy = (JsonObject)request.Body.DeepClone();
                Assert.Null(optimizer.Propose(Input(request, PromptDocument.Create("openai", request.Operation, copy)!, options)));
            }
        }

        Assert.Equal(anyMayPropose, anyYes);
    }

    private static OptimizerLook Look(OptimizationRequest request, PromptOutline outline, OptimizerOptions options) => new()
    {
        Request = request,
        Outline = outline,
        Model = request.Model,
        Tokens = TestBodies.Tokens("openai", request.Body),
        Meter = new TokenMeter("openai", request.Operation, TestBodies.Stamper),
        Options = options,
    };

    private static OptimizerInput Input(OptimizationRequest request, PromptDocument document, OptimizerOptions options) => new()
    {
        Request = request,
        Document = document,
        Model = request.Model,
        Tokens = TestBodies.Tokens("openai", document.Root),
        Meter = new TokenMeter("openai", request.Operation, TestBodies.Stamper),
        Options = options,
    };

    [Fact]
    public void Run_OptimizerThrows_SkippedRecordedAndBodyUntouched()
    {
        var after = new Scripted(OptimizerKinds.ContextTrim, 0.95, shrink: false);
        var pipeline = new OptimizationPipeline(new OptimizerOptions { LatencyBudgetMs = 10_000 }, TestBodies.Stamper, null, [new Throwing(), after]);
        var request = TestBodies.Request("openai", Messy);

        var outcome = pipeline.Run(request, PipelineRunMode.Interactive);

        var failed = outcome.Recommendations[0];
        Assert.Equal("skipped", failed.Decision);
        Assert.Equal("error: InvalidOperationException: boom", failed.Reason);
        Assert.False(outcome.Changed);
        Assert.True(JsonNode.DeepEquals(TestBodies.Parse(Messy), outcome.Body));
        Assert.True(JsonNode.DeepEquals(TestBodies.Parse(Messy), after.Seen));
    }

    [Fact]
    public void Run_UnsupportedBody_NotSupportedAndUntouched()
    {
        var pipeline = new OptimizationPipeline(new OptimizerOptions(), TestBodies.Stamper);
        var request = TestBodies.Request("openai", """{"model":"text-embedding-3-small","input":{"weird":true}}""");

        var outcome = pipeline.Run(request, PipelineRunMode.Interactive);

        Assert.False(outcome.Supported);
        Assert.Empty(outcome.Recommendations);
        Assert.Same(request.Body, outcome.Body);
    }

    [Fact]
    public void Run_Replay_DecisionReplayAndUsdSummed()
    {
        var pipeline = new OptimizationPipeline(new OptimizerOptions(), TestBodies.Stamper);

        var outcome = pipeline.Run(TestBodies.Request("openai", Messy), PipelineRunMode.Replay);

        var recommendation = Assert.Single(outcome.Recommendations);
        Assert.Equal("replay", recommendation.Decision);
        Assert.Equal(recommendation.EstimatedUsdSaved, outcome.EstimatedUsdSaved);
        // gpt-4o input is $2.50 per million tokens.
        Assert.Equal(recommendation.EstimatedTokensSaved * 2.50m / 1_000_000m, recommendation.EstimatedUsdSaved);
    }

    [Fact]
    public void Run_UnpricedModel_UsdNull()
    {
        var pipeline = new OptimizationPipeline(new OptimizerOptions(), TestBodies.Stamper);

        var outcome = pipeline.Run(TestBodies.Request("openai", Messy.Replace("gpt-4o", "my-local-model", StringComparison.Ordinal)), PipelineRunMode.Replay);

        Assert.Null(Assert.Single(outcome.Recommendations).EstimatedUsdSaved);
        Assert.Null(outcome.EstimatedUsdSaved);
    }

    [Fact]
    public void ToEvent_CopiesAttribution()
    {
        var request = new OptimizationRequest { Provider = "openai", Model = "gpt-4o", Body = [], SessionId = "s", WorkflowId = "w", AgentId = "a", PromptEventId = "p1" };
        var recommendation = new Recommendation { Kind = "prompt_compress", Decision = "replay", Reason = "r", TokensBefore = 10, TokensAfter = 7, EstimatedTokensSaved = 3, Quality = 0.97 };

        var e = OptimizationPipeline.ToEvent(recommendation, request);

        Assert.Equal(("prompt_compress", "replay", 3L, "s", "w", "a", "p1"), (e.Kind, e.Decision, e.EstimatedTokensSaved, e.SessionId, e.WorkflowId, e.AgentId, e.PromptEventId));
    }

    [Fact]
    public void PromptOptimization_PlainText_ReturnsRewriteAndSavings()
    {
        var tool = new PromptOptimization(new OptimizerOptions(), TestBodies.Stamper);

        var result = tool.Optimize("anthropic", "claude-sonnet-4-5", body: null, prompt: "Explain   this   error:\n\n\n\n\nNullReferenceException   at   line 3", system: "Be   brief.");

        Assert.True(result.Supported);
        Assert.Equal(["prompt_compress"], result.AppliedKinds);
        Assert.True(result.TokensSaved > 0);
        Assert.Equal("Explain this error:\n\nNullReferenceException at line 3", TestBodies.Text(result.OptimizedBody!["messages"]![0]!["content"]));
        var json = System.Text.Json.JsonSerializer.Serialize(result, OptimizerJsonContext.Default.OptimizePromptResult);
        Assert.Contains("\"tokens_saved\":", json, StringComparison.Ordinal);
        Assert.Contains("\"optimized_body\":{", json, StringComparison.Ordinal);
        Assert.DoesNotContain("rewritten_body", json, StringComparison.Ordinal);
    }

    [Fact]
    public void PromptOptimization_BadInput_ClearMessage()
    {
        var tool = new PromptOptimization(new OptimizerOptions(), TestBodies.Stamper);

        Assert.StartsWith("body is not valid JSON", tool.Optimize("openai", "gpt-4o", "{nope").Message);
        Assert.StartsWith("provider must be", tool.Optimize("mistral", "x", null, "hi").Message);
    }

    [Fact]
    public void PromptDocument_Dialects_Detected()
    {
        Assert.Equal(BodyDialect.OpenAIResponses, PromptDocument.Create("openai", "responses", TestBodies.Parse("""{"input":"hi"}"""))!.Dialect);
        Assert.Equal(BodyDialect.OpenAIChat, PromptDocument.Create("openai", "chat", TestBodies.Parse("""{"messages":[]}"""))!.Dialect);
        Assert.Null(PromptDocument.Create("anthropic", "messages", TestBodies.Parse("""{"prompt":"x"}""")));
    }
}
