using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using TokenOps.Core.Pricing;

namespace TokenOps.Optimizer.Pipeline;

/// <summary>What <c>tokenops_optimize_prompt</c> (MCP) returns: the rewritten request and what it saves.</summary>
public sealed record OptimizePromptResult
{
    public required string Provider { get; init; }

    public string? Model { get; init; }

    /// <summary>False when the input is not a request shape the optimizers understand (see <see cref="Message"/>).</summary>
    public bool Supported { get; init; }

    public long TokensBefore { get; init; }

    public long TokensAfter { get; init; }

    public long TokensSaved { get; init; }

    /// <summary>TokensSaved / TokensBefore (0 when TokensBefore is 0).</summary>
    public double SavingsRatio { get; init; }

    /// <summary>Input dollars saved per request (accepted recommendations, prompt-cache reads included); null when unpriced.</summary>
    public decimal? EstimatedUsdSaved { get; init; }

    public IReadOnlyList<string> AppliedKinds { get; init; } = [];

    public IReadOnlyList<Recommendation> Recommendations { get; init; } = [];

    /// <summary>The request body after the accepted rewrites (the input body when nothing changed).</summary>
    public JsonObject? OptimizedBody { get; init; }

    public string? Message { get; init; }
}

/// <summary>
/// The pipeline as a function, for the MCP tool <c>tokenops_optimize_prompt</c>: given a provider, a model and either a
/// full request body or plain prompt text / a messages array, run every optimizer (decisions as in interactive mode,
/// without the latency budget) and return the rewrite and the savings.
/// </summary>
public sealed class PromptOptimization
{
    private readonly OptimizationPipeline _pipeline;

    public PromptOptimization(OptimizerOptions options, IPromptCostStamper? stamper)
    {
        ArgumentNullException.ThrowIfNull(options);
        _pipeline = new OptimizationPipeline(options with { LatencyBudgetMs = double.MaxValue }, stamper);
    }

    /// <param name="provider">openai | anthropic | gemini.</param>
    /// <param name="model">Model name (also written into OpenAI/Anthropic bodies built from text).</param>
    /// <param name="body">A full request body (JSON object) or a messages array (JSON array of {role, content}); optional.</param>
    /// <param name="prompt">Plain user prompt text, used when <paramref name="body"/> is null.</param>
    /// <param name="system">Optional system prompt for a body built from <paramref name="prompt"/> or a messages array.</param>
    public OptimizePromptResult Optimize(string provider, string? model, string? body, string? prompt = null, string? system = null)
    {
        provider = (provider ?? "").Trim().ToLowerInvariant();
        if (provider is not ("openai" or "anthropic" or "gemini"))
        {
            return new OptimizePromptResult { Provider = provider, Model = model, Message = "provider must be openai, anthropic or gemini" };
        }

        JsonObject? request;
        try
        {
            request = body is null ? FromMessages(provider, model, system, [Message("user", prompt ?? "")])
                : JsonNode.Parse(body) switch
                {
                    JsonObject o => o,
                    JsonArray a => FromMessages(provider, model, system, a),
                    _ => null,
                };
        }
        catch (JsonException ex)
        {
            return new OptimizePromptResult { Provider = provider, Model = model, Message = "body is not valid JSON: " + ex.Message };
        }

        if (request is null)
        {
            return new OptimizePromptResult { Provider = provider, Model = model, Message = "body must be a JSON object (request) or array (messages)" };
        }

        model ??= PromptDocumentModel(request);
        var operation = provider switch
        {
            "anthropic" => "messages",
            "gemini" => "generateContent",
            _ => request["messages"] is null && request["input"] is not null ? "responses" : "chat",
        };
        var outcome = _pipeline.Run(new OptimizationRequest { Provider = provider, Operation = operation, Model = model, Body = request }, PipelineRunMode.Interactive);
        if (!outcome.Supported)
        {
            return new OptimizePromptResult
            {
                Provider = provider,
                Model = model,
                Message = "not a chat request: expected messages (OpenAI chat / Anthropic), input (OpenAI Responses) or contents (Gemini)",
            };
        }

        var saved = outcome.TokensBefore - outcome.TokensAfter;
        return new OptimizePromptResult
        {
            Provider = provider,
            Model = outcome.Model,
            Supported = true,
            TokensBefore = outcome.TokensBefore,
            TokensAfter = outcome.TokensAfter,
            TokensSaved = saved,
            SavingsRatio = outcome.TokensBefore == 0 ? 0 : Math.Round((double)saved / outcome.TokensBefore, 4),
            EstimatedUsdSaved = outcome.EstimatedUsdSaved,
            AppliedKinds = outcome.AppliedKinds.Length == 0 ? [] : outcome.AppliedKinds.Split(','),
            Recommendations = outcome.Recommendations,
            OptimizedBody = outcome.Body,
        };
    }

    private static string? PromptDocumentModel(JsonObject request) => Body.PromptDocument.Str(request["model"]);

    private static JsonObject Message(string role, string text) => new() { ["role"] = role, ["content"] = text };

    /// <summary>Builds a provider-shaped body from {role, content} messages.</summary>
    private static JsonObject FromMessages(string provider, string? model, string? system, IEnumerable<JsonNode?> messages)
    {
        var list = new List<(string Role, JsonNode? Content)>();
        foreach (var m in messages)
        {
            if (m is JsonObject o)
            {
                list.Add((Body.PromptDocument.Str(o["role"]) ?? "user", o["content"]?.DeepClone()));
            }
        }

        switch (provider)
        {
            case "gemini":
                var contents = new JsonArray();
                foreach (var (role, content) in list)
                {
                    var text = content is JsonValue v && v.TryGetValue<string>(out var s) ? s : content?.ToJsonString() ?? "";
                    contents.Add((JsonNode)new JsonObject { ["role"] = role == "assistant" ? "model" : "user", ["parts"] = new JsonArray(new JsonObject { ["text"] = text }) });
                }

                var gemini = new JsonObject { ["contents"] = contents };
                if (system is not null)
                {
                    gemini["systemInstruction"] = new JsonObject { ["parts"] = new JsonArray(new JsonObject { ["text"] = system }) };
                }

                return gemini;
            case "anthropic":
                var anthropic = new JsonObject { ["model"] = model, ["max_tokens"] = 1024 };
                if (system is not null)
                {
                    anthropic["system"] = system;
                }

                anthropic["messages"] = ToArray(list);
                return anthropic;
            default:
                if (system is not null)
                {
                    list.Insert(0, ("system", JsonValue.Create(system)));
                }

                return new JsonObject { ["model"] = model, ["messages"] = ToArray(list) };
        }
    }

    private static JsonArray ToArray(List<(string Role, JsonNode? Content)> list)
    {
        var array = new JsonArray();
        foreach (var (role, content) in list)
        {
            array.Add((JsonNode)new JsonObject { ["role"] = role, ["content"] = content });
        }

        return array;
    }
}

/// <summary>Source-generated JSON (snake_case) for the optimizer's public records: MCP tool output and <c>--json</c>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(OptimizePromptResult))]
[JsonSerializable(typeof(Recommendation))]
[JsonSerializable(typeof(List<Recommendation>))]
public sealed partial class OptimizerJsonContext : JsonSerializerContext;
