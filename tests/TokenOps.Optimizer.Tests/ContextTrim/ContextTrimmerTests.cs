using System.Text.Json.Nodes;
using TokenOps.Optimizer.ContextTrim;
using TokenOps.Optimizer.Pipeline;

namespace TokenOps.Optimizer.Tests.ContextTrim;

public sealed class ContextTrimmerTests
{
    private static string Filler(int n, int turn) => string.Join(' ', Enumerable.Range(0, n).Select(i => "t" + turn + "w" + i));

    /// <summary>An agent loop: system, task, then turns each with a tool call and its result.</summary>
    internal static string OpenAILoop(int turns)
    {
        var messages = new JsonArray
        {
            new JsonObject { ["role"] = "system", ["content"] = "You are a coding agent." },
            new JsonObject { ["role"] = "user", ["content"] = "TASK: fix the failing build in repo X." },
        };
        for (var t = 0; t < turns; t++)
        {
            messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = null, ["tool_calls"] = new JsonArray(new JsonObject { ["id"] = "call_" + t, ["type"] = "function", ["function"] = new JsonObject { ["name"] = "read_file", ["arguments"] = "{\"path\":\"f" + t + ".cs\"}" } }) });
            messages.Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = "call_" + t, ["content"] = Filler(300, t) });
            messages.Add(new JsonObject { ["role"] = "user", ["content"] = "continue with step " + t });
        }

        return new JsonObject { ["model"] = "gpt-4o", ["messages"] = messages }.ToJsonString();
    }

    internal static string AnthropicLoop(int turns)
    {
        var messages = new JsonArray { new JsonObject { ["role"] = "user", ["content"] = "TASK: fix the failing build in repo X." } };
        for (var t = 0; t < turns; t++)
        {
            messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = new JsonArray(new JsonObject { ["type"] = "tool_use", ["id"] = "toolu_" + t, ["name"] = "read_file", ["input"] = new JsonObject { ["path"] = "f" + t } }) });
            messages.Add(new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = "toolu_" + t, ["content"] = Filler(300, t) }) });
            messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = "checked f" + t });
            messages.Add(new JsonObject { ["role"] = "user", ["content"] = "continue with step " + t });
        }

        return new JsonObject { ["model"] = "claude-sonnet-4-5", ["max_tokens"] = 1000, ["system"] = "You are a coding agent.", ["messages"] = messages }.ToJsonString();
    }

    internal static string GeminiLoop(int turns)
    {
        var contents = new JsonArray { new JsonObject { ["role"] = "user", ["parts"] = new JsonArray(new JsonObject { ["text"] = "TASK: fix the failing build in repo X." }) } };
        for (var t = 0; t < turns; t++)
        {
            contents.Add(new JsonObject { ["role"] = "model", ["parts"] = new JsonArray(new JsonObject { ["functionCall"] = new JsonObject { ["name"] = "read_file_" + t, ["args"] = new JsonObject { ["path"] = "f" + t } } }) });
            contents.Add(new JsonObject { ["role"] = "user", ["parts"] = new JsonArray(new JsonObject { ["functionResponse"] = new JsonObject { ["name"] = "read_file_" + t, ["response"] = new JsonObject { ["content"] = Filler(300, t) } } }) });
            contents.Add(new JsonObject { ["role"] = "model", ["parts"] = new JsonArray(new JsonObject { ["text"] = "checked f" + t }) });
            contents.Add(new JsonObject { ["role"] = "user", ["parts"] = new JsonArray(new JsonObject { ["text"] = "continue with step " + t }) });
        }

        return new JsonObject { ["systemInstruction"] = new JsonObject { ["parts"] = new JsonArray(new JsonObject { ["text"] = "You are a coding agent." }) }, ["contents"] = contents }.ToJsonString();
    }

    internal static string ResponsesLoop(int turns)
    {
        var input = new JsonArray { new JsonObject { ["role"] = "user", ["content"] = "TASK: fix the failing build in repo X." } };
        for (var t = 0; t < turns; t++)
        {
            input.Add(new JsonObject { ["type"] = "function_call", ["call_id"] = "call_" + t, ["name"] = "read_file", ["arguments"] = "{\"path\":\"f" + t + "\"}" });
            input.Add(new JsonObject { ["type"] = "function_call_output", ["call_id"] = "call_" + t, ["output"] = Filler(300, t) });
            input.Add(new JsonObject { ["role"] = "user", ["content"] = "continue with step " + t });
        }

        return new JsonObject { ["model"] = "gpt-4o", ["instructions"] = "You are a coding agent.", ["input"] = input }.ToJsonString();
    }

    public static TheoryData<string, string> Loops => new()
    {
        { "openai", OpenAILoop(12) },
        { "openai", ResponsesLoop(12) },
        { "anthropic", AnthropicLoop(12) },
        { "gemini", GeminiLoop(12) },
    };

    [Theory]
    [MemberData(nameof(Loops))]
    public void Propose_OverBudget_FitsBudgetKeepsSystemFirstUserAndToolPairs(string provider, string json)
    {
        var options = new OptimizerOptions { ContextTrimMaxTokens = 2500 };
        var before = TestBodies.Tokens(provider, TestBodies.Parse(json));
        Assert.True(before > 2500);

        var outcome = TestBodies.RunOne(new ContextTrimmer(options), TestBodies.Request(provider, json), options);

        var recommendation = Assert.Single(outcome.Recommendations);
        Assert.True(recommendation.TokensAfter <= 2500, $"{recommendation.TokensAfter} tokens after trim");
        Assert.Equal(before - TestBodies.Tokens(provider, outcome.Body), recommendation.EstimatedTokensSaved);
        var text = outcome.Body.ToJsonString();
        Assert.Contains("You are a coding agent.", text, StringComparison.Ordinal);
        Assert.Contains("TASK: fix the failing build in repo X.", text, StringComparison.Ordinal);
        Assert.Contains("continue with step 11", text, StringComparison.Ordinal);
        Assert.DoesNotContain("continue with step 0\"", text, StringComparison.Ordinal);
        Assert.Contains("earlier message(s)", text, StringComparison.Ordinal);
        Assert.Equal(0.9, recommendation.Quality);
        TestBodies.AssertProviderValid(provider, outcome.Body);
    }

    [Fact]
    public void Propose_UnderBudget_NoRecommendation()
    {
        var options = new OptimizerOptions { ContextTrimMaxTokens = 100_000 };

        Assert.Empty(TestBodies.RunOne(new ContextTrimmer(options), TestBodies.Request("openai", OpenAILoop(3)), options).Recommendations);
    }

    [Fact]
    public void Propose_DisabledByDefault_NoRecommendation()
    {
        Assert.Empty(TestBodies.RunOne(new ContextTrimmer(new OptimizerOptions()), TestBodies.Request("openai", OpenAILoop(12))).Recommendations);
    }

    [Fact]
    public void Propose_KeepLastTurns_LimitsTurnsKept()
    {
        var options = new OptimizerOptions { ContextTrimMaxTokens = 100, ContextTrimKeepLastTurns = 2 };

        var outcome = TestBodies.RunOne(new ContextTrimmer(options), TestBodies.Request("openai", OpenAILoop(6)), options);

        var messages = (JsonArray)outcome.Body["messages"]!;
        // system, first user, marker, then the newest turn only ("continue with step 5" starts a turn that has nothing after it).
        Assert.Equal("system", TestBodies.Text(messages[0]!["role"]));
        Assert.Equal("TASK: fix the failing build in repo X.", TestBodies.Text(messages[1]!["content"]));
        Assert.StartsWith("[TokenOps: ", TestBodies.Text(messages[2]!["content"]));
        Assert.Equal("continue with step 5", TestBodies.Text(messages[^1]!["content"]));
        TestBodies.AssertProviderValid("openai", outcome.Body);
    }

    [Fact]
    public void Propose_FirstUserNotPinned_FirstUserMayBeDropped()
    {
        var options = new OptimizerOptions { ContextTrimMaxTokens = 1500, ContextTrimKeepFirstUser = false };

        var outcome = TestBodies.RunOne(new ContextTrimmer(options), TestBodies.Request("anthropic", AnthropicLoop(8)), options);

        var text = outcome.Body.ToJsonString();
        Assert.DoesNotContain("TASK: fix", text, StringComparison.Ordinal);
        Assert.DoesNotContain("[TokenOps:", text, StringComparison.Ordinal);
        TestBodies.AssertProviderValid("anthropic", outcome.Body);
    }
}
