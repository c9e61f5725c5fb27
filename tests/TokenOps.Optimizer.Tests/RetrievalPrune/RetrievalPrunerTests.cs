using System.Text.Json.Nodes;
using TokenOps.Optimizer.Pipeline;
using TokenOps.Optimizer.RetrievalPrune;

namespace TokenOps.Optimizer.Tests.RetrievalPrune;

public sealed class RetrievalPrunerTests
{
    internal static readonly string[] Topics =
    [
        "Refund policy: customers may request a refund within 30 days of purchase. Refunds are issued to the original payment method within 5 business days once the returned item is inspected.",
        "Shipping: orders ship from the Rotterdam warehouse. Standard delivery takes 3 to 5 days inside the EU; express delivery takes one day and costs 12 euros.",
        "Warranty: electronics carry a two-year warranty covering manufacturing defects. Accidental damage, water damage and wear are excluded from the warranty.",
        "Loyalty programme: members earn one point per euro spent and can redeem 100 points for a 5 euro voucher. Points expire after 24 months without activity.",
        "Gift cards: gift cards are valid for three years, can be used online and in stores, and cannot be exchanged for cash or used to buy other gift cards.",
        "Store hours: flagship stores open from 9:00 to 21:00 on weekdays and from 10:00 to 18:00 on Saturdays. All stores are closed on public holidays.",
    ];

    private static string Chunks(int repeat = 3)
    {
        var lines = new List<string>();
        for (var i = 0; i < Topics.Length; i++)
        {
            lines.Add($"[{i + 1}] " + string.Join(' ', Enumerable.Repeat(Topics[i], repeat)));
            lines.Add("");
        }

        return string.Join('\n', lines);
    }

    private static readonly OptimizerOptions Options = new() { RetrievalMinBlockTokens = 200 };

    [Fact]
    public void Propose_OpenAIRagInUserMessage_KeepsRelevantChunksOnly()
    {
        var user = "Use the documents to answer.\n\n" + Chunks() + "\nQuestion: How many days do I have to request a refund, and how is the refund paid?";
        var body = new JsonObject { ["model"] = "gpt-4o", ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = user }) };

        var outcome = TestBodies.RunOne(new RetrievalPruner(Options), TestBodies.Request("openai", body.ToJsonString()), Options);

        var recommendation = Assert.Single(outcome.Recommendations);
        var text = TestBodies.Text(outcome.Body["messages"]![0]!["content"]);
        Assert.Contains("[1] Refund policy", text, StringComparison.Ordinal);
        Assert.DoesNotContain("[6] Store hours", text, StringComparison.Ordinal);
        Assert.Contains("Question: How many days do I have to request a refund", text, StringComparison.Ordinal);
        Assert.Contains("retrieved chunks omitted as unrelated to the question", text, StringComparison.Ordinal);
        Assert.Equal(TestBodies.Tokens("openai", body) - TestBodies.Tokens("openai", outcome.Body), recommendation.EstimatedTokensSaved);
        Assert.True(recommendation.EstimatedTokensSaved > 200);
        Assert.True(recommendation.Quality >= 0.9);
    }

    [Fact]
    public void Propose_RelevantChunkLast_PrunedByRelevanceNotPosition()
    {
        var user = "Context:\n\n" + Chunks() + "\nQuestion: When do the flagship stores open on Saturdays?";
        var body = new JsonObject { ["model"] = "gpt-4o", ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = user }) };

        var outcome = TestBodies.RunOne(new RetrievalPruner(Options), TestBodies.Request("openai", body.ToJsonString()), Options);

        var text = TestBodies.Text(outcome.Body["messages"]![0]!["content"]);
        Assert.Contains("[6] Store hours", text, StringComparison.Ordinal);
        Assert.DoesNotContain("[1] Refund policy", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Propose_AnthropicToolResultRag_QueryFromLatestUserTurn_PairIntact()
    {
        var json = new JsonObject
        {
            ["model"] = "claude-sonnet-4-5",
            ["max_tokens"] = 500,
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "user", ["content"] = "Does the warranty cover water damage on my headphones?" },
                new JsonObject { ["role"] = "assistant", ["content"] = new JsonArray(new JsonObject { ["type"] = "tool_use", ["id"] = "toolu_9", ["name"] = "search_kb", ["input"] = new JsonObject { ["q"] = "warranty water damage" } }) },
                new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = "toolu_9", ["content"] = Chunks() }) }),
        };

        var outcome = TestBodies.RunOne(new RetrievalPruner(Options), TestBodies.Request("anthropic", json.ToJsonString()), Options);

        Assert.Single(outcome.Recommendations);
        var result = TestBodies.Text(outcome.Body["messages"]![2]!["content"]![0]!["content"]);
        Assert.Contains("[3] Warranty", result, StringComparison.Ordinal);
        Assert.DoesNotContain("[5] Gift cards", result, StringComparison.Ordinal);
        TestBodies.AssertProviderValid("anthropic", outcome.Body);
    }

    [Fact]
    public void Propose_GeminiSeparatorChunksInSystemInstruction_Pruned()
    {
        var doc = "Knowledge base:\n---\n" + string.Join("\n---\n", Topics.Select(t => string.Join(' ', Enumerable.Repeat(t, 3)))) + "\n---\nAnswer from the knowledge base only.";
        var json = new JsonObject
        {
            ["systemInstruction"] = new JsonObject { ["parts"] = new JsonArray(new JsonObject { ["text"] = doc }) },
            ["contents"] = new JsonArray(new JsonObject { ["role"] = "user", ["parts"] = new JsonArray(new JsonObject { ["text"] = "How long does express delivery take and what does it cost?" }) }),
        };

        var outcome = TestBodies.RunOne(new RetrievalPruner(Options), TestBodies.Request("gemini", json.ToJsonString()), Options);

        Assert.Single(outcome.Recommendations);
        var system = TestBodies.Text(outcome.Body["systemInstruction"]!["parts"]![0]!["text"]);
        Assert.Contains("Shipping: orders ship", system, StringComparison.Ordinal);
        Assert.DoesNotContain("Loyalty programme", system, StringComparison.Ordinal);
        Assert.EndsWith("Answer from the knowledge base only.", system, StringComparison.Ordinal);
    }

    [Fact]
    public void Propose_NoLexicalOverlap_NothingPruned()
    {
        var user = "Docs:\n\n" + Chunks() + "\nQuestion: xylophone zeppelin quasar?";
        var body = new JsonObject { ["model"] = "gpt-4o", ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = user }) };

        Assert.Empty(TestBodies.RunOne(new RetrievalPruner(Options), TestBodies.Request("openai", body.ToJsonString()), Options).Recommendations);
    }

    [Fact]
    public void Propose_SmallBlock_Ignored()
    {
        var user = "[1] a refund\n[2] b\n[3] c\n[4] d\nQuestion: refund?";
        var body = new JsonObject { ["model"] = "gpt-4o", ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = user }) };

        Assert.Empty(TestBodies.RunOne(new RetrievalPruner(new OptimizerOptions()), TestBodies.Request("openai", body.ToJsonString())).Recommendations);
    }
}
