using TokenOps.Optimizer.ModelRouter;
using TokenOps.Optimizer.Pipeline;

namespace TokenOps.Optimizer.Tests.ModelRouter;

public sealed class ModelRouterTests
{
    private static OptimizerOptions Rules(params ModelRouteRule[] rules) => new() { RouterRules = rules };

    [Theory]
    [InlineData("gpt-4o", "gpt-4o", true)]
    [InlineData("GPT-4O", "gpt-4o", true)]
    [InlineData("gpt-4o*", "gpt-4o-2024-08-06", true)]
    [InlineData("claude-*-4-5", "claude-sonnet-4-5", true)]
    [InlineData("claude-*-4-5", "claude-sonnet-4", false)]
    [InlineData("*mini", "gpt-4o", false)]
    public void Matches_Glob(string pattern, string model, bool expected) => Assert.Equal(expected, ModelRouterOptimizer.Matches(pattern, model));

    [Fact]
    public void Propose_OpenAIRule_RewritesModelAndPricesDifference()
    {
        var options = Rules(new ModelRouteRule { From = "gpt-4o", To = "gpt-4o-mini", MaxInputTokens = 4000, Quality = 0.88 });
        var request = TestBodies.Request("openai", """{"model":"gpt-4o","messages":[{"role":"user","content":"Classify this ticket: my card was charged twice."}]}""");

        var outcome = TestBodies.RunOne(new ModelRouterOptimizer(options), request, options);

        var recommendation = Assert.Single(outcome.Recommendations);
        Assert.Equal("gpt-4o-mini", TestBodies.Text(outcome.Body["model"]));
        Assert.Equal("gpt-4o-mini", recommendation.Model);
        Assert.Equal(0, recommendation.EstimatedTokensSaved);
        Assert.Equal(0.88, recommendation.Quality);
        // gpt-4o input $2.50/M vs gpt-4o-mini $0.15/M (embedded rate card).
        var tokens = recommendation.TokensBefore;
        Assert.Equal(tokens * (2.50m - 0.15m) / 1_000_000m, recommendation.EstimatedUsdSaved);
    }

    [Fact]
    public void Propose_OverMaxInputTokens_NoRecommendation()
    {
        var options = Rules(new ModelRouteRule { From = "gpt-4o", To = "gpt-4o-mini", MaxInputTokens = 5 });
        var request = TestBodies.Request("openai", """{"model":"gpt-4o","messages":[{"role":"user","content":"This request is definitely longer than five tokens in total."}]}""");

        Assert.Empty(TestBodies.RunOne(new ModelRouterOptimizer(options), request, options).Recommendations);
    }

    [Fact]
    public void Propose_TargetMoreExpensive_NoRecommendation()
    {
        var options = Rules(new ModelRouteRule { From = "claude-haiku-4-5", To = "claude-opus-4-1" });
        var request = TestBodies.Request("anthropic", """{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.Empty(TestBodies.RunOne(new ModelRouterOptimizer(options), request, options).Recommendations);
    }

    [Fact]
    public void Propose_Anthropic_RewritesModel()
    {
        var options = Rules(new ModelRouteRule { From = "claude-opus-*", To = "claude-sonnet-4-5", Provider = "anthropic" });
        var request = TestBodies.Request("anthropic", """{"model":"claude-opus-4-1","max_tokens":10,"messages":[{"role":"user","content":"Summarise: the meeting moved to Tuesday."}]}""");

        var outcome = TestBodies.RunOne(new ModelRouterOptimizer(options), request, options);

        Assert.Equal("claude-sonnet-4-5", TestBodies.Text(outcome.Body["model"]));
        Assert.True(Assert.Single(outcome.Recommendations).EstimatedUsdSaved > 0);
        TestBodies.AssertProviderValid("anthropic", outcome.Body);
    }

    [Fact]
    public void Propose_Gemini_AdviceOnlyNeverApplied()
    {
        var options = Rules(new ModelRouteRule { From = "gemini-2.5-pro", To = "gemini-2.5-flash" }) with { LatencyBudgetMs = 10_000 };
        var request = TestBodies.Request("gemini", """{"contents":[{"role":"user","parts":[{"text":"hello there"}]}]}""", model: "gemini-2.5-pro");
        var pipeline = new OptimizationPipeline(options, TestBodies.Stamper, null, [new ModelRouterOptimizer(options)]);

        var outcome = pipeline.Run(request, PipelineRunMode.Interactive);

        var recommendation = Assert.Single(outcome.Recommendations);
        Assert.Equal("rejected", recommendation.Decision);
        Assert.Contains("URL path", recommendation.Reason, StringComparison.Ordinal);
        Assert.False(outcome.Changed);
        Assert.True(recommendation.EstimatedUsdSaved > 0);
    }
}
