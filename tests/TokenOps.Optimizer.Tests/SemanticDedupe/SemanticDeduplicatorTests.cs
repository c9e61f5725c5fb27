using System.Text.Json.Nodes;
using TokenOps.Optimizer.Pipeline;
using TokenOps.Optimizer.SemanticDedupe;

namespace TokenOps.Optimizer.Tests.SemanticDedupe;

public sealed class SemanticDeduplicatorTests
{
    internal const string Spec =
        "The deployment pipeline builds the container image, runs the unit tests, pushes the image to the registry, " +
        "applies the Kubernetes manifests to the staging cluster, waits for the rollout to finish, runs the smoke tests " +
        "against the staging endpoint, and finally promotes the same image digest to production after a manual approval. " +
        "Rollbacks reuse the previous image digest and never rebuild. Secrets come from the vault and are mounted read-only.";

    private static readonly SemanticDeduplicator Optimizer = new(new OptimizerOptions());

    public static TheoryData<string, string, string> Cases => new()
    {
        {
            "openai",
            $$"""{"model":"gpt-4o","messages":[{"role":"user","content":"{{Spec}}"},{"role":"assistant","content":"Understood."},{"role":"user","content":"{{Spec}}"},{"role":"user","content":"What happens on rollback?"}]}""",
            """/messages/2/content"""
        },
        {
            "anthropic",
            $$"""{"model":"claude-sonnet-4-5","max_tokens":100,"system":"{{Spec}}","messages":[{"role":"user","content":[{"type":"text","text":"{{Spec}}"}]},{"role":"assistant","content":"Noted."},{"role":"user","content":"Which step needs approval?"}]}""",
            """/messages/0/content/0/text"""
        },
        {
            "gemini",
            $$"""{"contents":[{"role":"user","parts":[{"text":"{{Spec}}"}]},{"role":"model","parts":[{"text":"OK."}]},{"role":"user","parts":[{"text":"{{Spec}}"}]},{"role":"model","parts":[{"text":"OK again."}]},{"role":"user","parts":[{"text":"Where do secrets come from?"}]}]}""",
            """/contents/2/parts/0/text"""
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Propose_ExactDuplicate_LaterCopyReplacedByReference(string provider, string json, string replacedPointer)
    {
        var outcome = TestBodies.RunOne(Optimizer, TestBodies.Request(provider, json));

        var recommendation = Assert.Single(outcome.Recommendations);
        var replaced = Resolve(outcome.Body, replacedPointer);
        Assert.StartsWith("[TokenOps: duplicate of ", replaced);
        Assert.Equal(SemanticDeduplicator.ExactQuality, recommendation.Quality);
        var expectedSaved = TestBodies.Tokens(provider, TestBodies.Parse(json)) - TestBodies.Tokens(provider, outcome.Body);
        Assert.Equal(expectedSaved, recommendation.EstimatedTokensSaved);
        Assert.True(recommendation.EstimatedTokensSaved > 60);
        Assert.Contains(Spec, outcome.Body.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }), StringComparison.Ordinal);
        TestBodies.AssertProviderValid(provider, outcome.Body);
    }

    [Fact]
    public void Propose_ReferenceNamesEarlierMessage()
    {
        var json = $$"""{"model":"gpt-4o","messages":[{"role":"user","content":"{{Spec}}"},{"role":"assistant","content":"ok"},{"role":"user","content":"{{Spec}}"},{"role":"user","content":"go"}]}""";

        var outcome = TestBodies.RunOne(Optimizer, TestBodies.Request("openai", json));

        Assert.Equal("[TokenOps: duplicate of message #1 omitted]", TestBodies.Text(outcome.Body["messages"]![2]!["content"]));
    }

    [Fact]
    public void Propose_NearDuplicate_QualityBelowExactAndReasonHasSimilarity()
    {
        var variant = Spec.Replace("manual approval", "manual approval by the on-call engineer", StringComparison.Ordinal);
        var json = $$"""{"model":"gpt-4o","messages":[{"role":"user","content":"{{Spec}}"},{"role":"assistant","content":"ok"},{"role":"user","content":"{{variant}}"},{"role":"user","content":"go"}]}""";

        var outcome = TestBodies.RunOne(Optimizer, TestBodies.Request("openai", json));

        var recommendation = Assert.Single(outcome.Recommendations);
        var similarity = SemanticDeduplicator.Jaccard(SemanticDeduplicator.Shingles(Spec), SemanticDeduplicator.Shingles(variant));
        Assert.InRange(similarity, 0.85, 0.9999);
        Assert.Equal(Math.Round(similarity - 0.05, 3), recommendation.Quality);
        Assert.StartsWith("[TokenOps: near-duplicate of message #1 omitted (similarity 0.", TestBodies.Text(outcome.Body["messages"]![2]!["content"]));
    }

    [Fact]
    public void Propose_LastMessageRepeatsEarlier_LastMessageKept()
    {
        var json = $$"""{"model":"gpt-4o","messages":[{"role":"user","content":"{{Spec}}"},{"role":"assistant","content":"ok"},{"role":"user","content":"{{Spec}}"}]}""";

        Assert.Empty(TestBodies.RunOne(Optimizer, TestBodies.Request("openai", json)).Recommendations);
    }

    [Fact]
    public void Propose_DifferentTexts_NoRecommendation()
    {
        var other = "Our incident process: page the on-call, open a channel, write a timeline, assign a commander, " +
                    "communicate every thirty minutes, and hold a blameless review within five business days after resolution.";
        var json = $$"""{"model":"gpt-4o","messages":[{"role":"user","content":"{{Spec}}"},{"role":"assistant","content":"ok"},{"role":"user","content":"{{other}}"},{"role":"user","content":"go"}]}""";

        Assert.Empty(TestBodies.RunOne(Optimizer, TestBodies.Request("openai", json)).Recommendations);
    }

    [Fact]
    public void Propose_RepeatedToolResults_AnthropicPairsIntact()
    {
        var json = $$$"""
            {"model":"claude-sonnet-4-5","max_tokens":100,"messages":[
              {"role":"user","content":"Read the deploy doc twice."},
              {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"read","input":{"path":"deploy.md"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"{{{Spec}}}"}]},
              {"role":"assistant","content":[{"type":"tool_use","id":"toolu_2","name":"read","input":{"path":"deploy.md"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_2","content":"{{{Spec}}}"}]},
              {"role":"assistant","content":"Done."},
              {"role":"user","content":"Summarise."}]}
            """;

        var outcome = TestBodies.RunOne(Optimizer, TestBodies.Request("anthropic", json));

        Assert.Single(outcome.Recommendations);
        var result = outcome.Body["messages"]![4]!["content"]![0]!;
        Assert.Equal("tool_result", TestBodies.Text(result["type"]));
        Assert.Equal("toolu_2", TestBodies.Text(result["tool_use_id"]));
        Assert.Equal("[TokenOps: duplicate of message #3 omitted]", TestBodies.Text(result["content"]));
        TestBodies.AssertProviderValid("anthropic", outcome.Body);
    }

    private static string Resolve(JsonNode node, string pointer)
    {
        foreach (var part in pointer.Trim('/').Split('/'))
        {
            node = int.TryParse(part, out var i) ? node[i]! : node[part]!;
        }

        return node.GetValue<string>();
    }
}
