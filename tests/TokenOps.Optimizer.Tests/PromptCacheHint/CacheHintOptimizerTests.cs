using System.Text.Json.Nodes;
using TokenOps.Optimizer.Pipeline;
using TokenOps.Optimizer.PromptCacheHint;

namespace TokenOps.Optimizer.Tests.PromptCacheHint;

public sealed class CacheHintOptimizerTests
{
    internal static string LongSystem(int sentences = 150) => string.Join(' ', Enumerable.Range(0, sentences).Select(i =>
        $"Rule {i}: when the customer mentions order {i}, check the ledger entry {i * 7} and answer politely in their language."));

    private static string AnthropicBody(string question, params string[] history)
    {
        var messages = new JsonArray();
        foreach (var h in history)
        {
            messages.Add(new JsonObject { ["role"] = messages.Count % 2 == 0 ? "user" : "assistant", ["content"] = h });
        }

        messages.Add(new JsonObject { ["role"] = "user", ["content"] = question });
        return new JsonObject { ["model"] = "claude-sonnet-4-5", ["max_tokens"] = 300, ["system"] = LongSystem(), ["messages"] = messages }.ToJsonString();
    }

    [Fact]
    public void Propose_AnthropicFirstSighting_NoHint_SecondSighting_SystemBreakpoint()
    {
        var optimizer = new CacheHintOptimizer(new OptimizerOptions());
        var pipeline = new OptimizationPipeline(new OptimizerOptions(), TestBodies.Stamper, null, [optimizer]);

        var first = pipeline.Run(TestBodies.Request("anthropic", AnthropicBody("Where is order 5?"), session: "s1"), PipelineRunMode.Replay);
        var second = pipeline.Run(TestBodies.Request("anthropic", AnthropicBody("Where is order 9?"), session: "s1"), PipelineRunMode.Replay);

        Assert.Empty(first.Recommendations);
        var recommendation = Assert.Single(second.Recommendations);
        var system = Assert.IsType<JsonArray>(second.Body["system"]);
        Assert.Equal(LongSystem(), TestBodies.Text(system[0]!["text"]));
        Assert.Equal("ephemeral", TestBodies.Text(system[0]!["cache_control"]!["type"]));
        Assert.Equal(0, recommendation.EstimatedTokensSaved);
        Assert.True(recommendation.CacheableTokens >= 1024);
        // claude-sonnet-4-5: $3.00/M input vs $0.30/M cache read (embedded rate card).
        Assert.Equal(recommendation.CacheableTokens!.Value * (3.00m - 0.30m) / 1_000_000m, recommendation.EstimatedUsdSaved);
        TestBodies.AssertProviderValid("anthropic", second.Body);
    }

    [Fact]
    public void Propose_AnthropicAgentLoop_BreakpointOnRepeatedHistory()
    {
        var optimizer = new CacheHintOptimizer(new OptimizerOptions());
        var pipeline = new OptimizationPipeline(new OptimizerOptions(), TestBodies.Stamper, null, [optimizer]);
        var turn1 = AnthropicBody("step 1");

        pipeline.Run(TestBodies.Request("anthropic", turn1, session: "loop"), PipelineRunMode.Replay);
        var outcome = pipeline.Run(TestBodies.Request("anthropic", AnthropicBody("step 2", "step 1", "done step 1"), session: "loop"), PipelineRunMode.Replay);

        var recommendation = Assert.Single(outcome.Recommendations);
        var messages = (JsonArray)outcome.Body["messages"]!;
        // The first message (the previous request's last) is the longest repeated prefix.
        Assert.Equal("ephemeral", TestBodies.Text(messages[0]!["content"]![0]!["cache_control"]!["type"]));
        Assert.Equal("step 1", TestBodies.Text(messages[0]!["content"]![0]!["text"]));
        Assert.IsAssignableFrom<JsonValue>(messages[2]!["content"]);
        Assert.Contains("message #1", recommendation.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Propose_OtherSession_NoHint()
    {
        var optimizer = new CacheHintOptimizer(new OptimizerOptions());
        var pipeline = new OptimizationPipeline(new OptimizerOptions(), TestBodies.Stamper, null, [optimizer]);

        pipeline.Run(TestBodies.Request("anthropic", AnthropicBody("a"), session: "s1"), PipelineRunMode.Replay);

        Assert.Empty(pipeline.Run(TestBodies.Request("anthropic", AnthropicBody("b"), session: "s2"), PipelineRunMode.Replay).Recommendations);
    }

    [Fact]
    public void Propose_ShortPrefix_NoHint()
    {
        var optimizer = new CacheHintOptimizer(new OptimizerOptions());
        var pipeline = new OptimizationPipeline(new OptimizerOptions(), TestBodies.Stamper, null, [optimizer]);
        var body = """{"model":"claude-sonnet-4-5","max_tokens":10,"system":"Be brief.","messages":[{"role":"user","content":"hi"}]}""";

        pipeline.Run(TestBodies.Request("anthropic", body, session: "s"), PipelineRunMode.Replay);

        Assert.Empty(pipeline.Run(TestBodies.Request("anthropic", body, session: "s"), PipelineRunMode.Replay).Recommendations);
    }

    [Fact]
    public void Propose_ExistingCacheControl_LeftToAuthor()
    {
        var optimizer = new CacheHintOptimizer(new OptimizerOptions());
        var pipeline = new OptimizationPipeline(new OptimizerOptions(), TestBodies.Stamper, null, [optimizer]);
        var body = new JsonObject
        {
            ["model"] = "claude-sonnet-4-5",
            ["max_tokens"] = 10,
            ["system"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = LongSystem(), ["cache_control"] = new JsonObject { ["type"] = "ephemeral" } }),
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }),
        }.ToJsonString();

        pipeline.Run(TestBodies.Request("anthropic", body, session: "s"), PipelineRunMode.Replay);

        Assert.Empty(pipeline.Run(TestBodies.Request("anthropic", body, session: "s"), PipelineRunMode.Replay).Recommendations);
    }

    [Fact]
    public void Prefix_Lru_BoundedSessions()
    {
        var cache = new PrefixCache(maxSessions: 2, prefixesPerSession: 3);
        cache.Record("a", 1);
        cache.Record("b", 2);
        cache.Record("c", 3);

        Assert.Equal(2, cache.SessionCount);
        Assert.False(cache.Contains("a", 1));
        Assert.True(cache.Contains("c", 3));
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("gemini")]
    public void Propose_VolatileLineFirst_MovedToEndOfSystemPrompt(string provider)
    {
        var system = "Current date: 2026-11-27 09:14 UTC\n" + LongSystem();
        var json = provider == "openai"
            ? new JsonObject { ["model"] = "gpt-4o", ["messages"] = new JsonArray(new JsonObject { ["role"] = "system", ["content"] = system }, new JsonObject { ["role"] = "user", ["content"] = "Where is order 3?" }) }
            : new JsonObject { ["systemInstruction"] = new JsonObject { ["parts"] = new JsonArray(new JsonObject { ["text"] = system }) }, ["contents"] = new JsonArray(new JsonObject { ["role"] = "user", ["parts"] = new JsonArray(new JsonObject { ["text"] = "Where is order 3?" }) }) };

        var outcome = TestBodies.RunOne(new CacheHintOptimizer(new OptimizerOptions()), TestBodies.Request(provider, json.ToJsonString()));

        var recommendation = Assert.Single(outcome.Recommendations);
        var rewritten = provider == "openai"
            ? TestBodies.Text(outcome.Body["messages"]![0]!["content"])
            : TestBodies.Text(outcome.Body["systemInstruction"]!["parts"]![0]!["text"]);
        Assert.Equal(LongSystem() + "\n\nCurrent date: 2026-11-27 09:14 UTC", rewritten);
        Assert.Equal(CacheHintOptimizer.ReorderQuality, recommendation.Quality);
        Assert.True(recommendation.CacheableTokens >= 1024);
        Assert.True(recommendation.EstimatedUsdSaved > 0);
        TestBodies.AssertProviderValid(provider, outcome.Body);
    }
}
