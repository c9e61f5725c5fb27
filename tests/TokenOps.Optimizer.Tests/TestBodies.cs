using System.Text.Json;
using System.Text.Json.Nodes;
using TokenOps.Core.Pricing;
using TokenOps.Optimizer.Pipeline;
using TokenOps.Tokenizers;

namespace TokenOps.Optimizer.Tests;

/// <summary>Shared helpers: requests per provider, the real tokenizer, the real rate card, and provider-schema checks.</summary>
internal static class TestBodies
{
    public const string OpenAIModel = "gpt-4o";
    public const string AnthropicModel = "claude-sonnet-4-5";
    public const string GeminiModel = "gemini-2.5-flash";

    public static readonly IPromptCostStamper Stamper = new CostCalculator(RateCard.Embedded);

    public static string ModelFor(string provider) => provider switch
    {
        "anthropic" => AnthropicModel,
        "gemini" => GeminiModel,
        _ => OpenAIModel,
    };

    public static string OperationFor(string provider, JsonObject body) => provider switch
    {
        "anthropic" => "messages",
        "gemini" => "generateContent",
        _ => body["messages"] is null && body["input"] is not null ? "responses" : "chat",
    };

    public static OptimizationRequest Request(string provider, string json, string? session = null, string? model = null)
    {
        var body = (JsonObject)JsonNode.Parse(json)!;
        return new OptimizationRequest
        {
            Provider = provider,
            Operation = OperationFor(provider, body),
            Model = model ?? (body["model"] is JsonValue v ? v.GetValue<string>() : ModelFor(provider)),
            Body = body,
            SessionId = session,
        };
    }

    /// <summary>Runs ONE optimizer through the pipeline (replay decisions, everything accepted at min_quality 0).</summary>
    public static OptimizationOutcome RunOne(IOptimizer optimizer, OptimizationRequest request, OptimizerOptions? options = null)
    {
        var pipeline = new OptimizationPipeline((options ?? new OptimizerOptions()) with { MinQuality = 0 }, Stamper, null, [optimizer]);
        return pipeline.Run(request, PipelineRunMode.Replay);
    }

    public static int Tokens(string provider, JsonObject body, string? model = null)
    {
        using var doc = JsonDocument.Parse(body.ToJsonString());
        return RequestTokenCounter.Count(provider, OperationFor(provider, body), model ?? Model(body) ?? ModelFor(provider), doc.RootElement).Tokens;
    }

    private static string? Model(JsonObject body) => body["model"] is JsonValue v ? v.GetValue<string>() : null;

    public static JsonObject Parse(string json) => (JsonObject)JsonNode.Parse(json)!;

    public static string Text(JsonNode? node) => node!.GetValue<string>();

    /// <summary>
    /// Provider-schema checks that matter after a rewrite: valid JSON; roles from the allowed set; every tool result answers a
    /// tool call in the message right before it (OpenAI tool_call_id, Responses call_id, Anthropic tool_use_id, Gemini name);
    /// Anthropic starts with a user turn.
    /// </summary>
    public static void AssertProviderValid(string provider, JsonObject body)
    {
        var roundTrip = JsonNode.Parse(body.ToJsonString());
        Assert.NotNull(roundTrip);
        switch (provider)
        {
            case "anthropic":
                {
                    var messages = Assert.IsType<JsonArray>(body["messages"]);
                    Assert.Equal("user", Text(messages[0]!["role"]));
                    for (var i = 0; i < messages.Count; i++)
                    {
                        var role = Text(messages[i]!["role"]);
                        Assert.Contains(role, new[] { "user", "assistant" });
                        if (messages[i]!["content"] is JsonArray blocks)
                        {
                            foreach (var block in blocks)
                            {
                                if (Text(block!["type"]) == "tool_result")
                                {
                                    var id = Text(block["tool_use_id"]);
                                    var previous = Assert.IsType<JsonArray>(messages[i - 1]!["content"]);
                                    Assert.Contains(previous, b => b!["type"]!.GetValue<string>() == "tool_use" && Text(b["id"]) == id);
                                }
                            }
                        }
                    }

                    break;
                }

            case "gemini":
                {
                    var contents = Assert.IsType<JsonArray>(body["contents"]);
                    for (var i = 0; i < contents.Count; i++)
                    {
                        Assert.Contains(Text(contents[i]!["role"]), new[] { "user", "model" });
                        foreach (var part in Assert.IsType<JsonArray>(contents[i]!["parts"]))
                        {
                            if (part!["functionResponse"] is JsonObject response)
                            {
                                var name = Text(response["name"]);
                                var previous = Assert.IsType<JsonArray>(contents[i - 1]!["parts"]);
                                Assert.Contains(previous, p => p!["functionCall"] is JsonObject call && Text(call["name"]) == name);
                            }
                        }
                    }

                    break;
                }

            default:
                if (body["messages"] is JsonArray chat)
                {
                    var open = new HashSet<string>();
                    foreach (var message in chat)
                    {
                        var role = Text(message!["role"]);
                        Assert.Contains(role, new[] { "system", "developer", "user", "assistant", "tool" });
                        if (message["tool_calls"] is JsonArray calls)
                        {
                            open.Clear();
                            foreach (var call in calls)
                            {
                                open.Add(Text(call!["id"]));
                            }
                        }

                        if (role == "tool")
                        {
                            Assert.Contains(Text(message["tool_call_id"]), open);
                        }
                    }
                }
                else if (body["input"] is JsonArray items)
                {
                    var calls = new HashSet<string>();
                    foreach (var item in items)
                    {
                        var type = item!["type"] is JsonValue t ? t.GetValue<string>() : "message";
                        if (type == "function_call")
                        {
                            calls.Add(Text(item["call_id"]));
                        }
                        else if (type == "function_call_output")
                        {
                            Assert.Contains(Text(item["call_id"]), calls);
                        }
                    }
                }

                break;
        }
    }
}
