using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace TokenOps.Optimizer.Pipeline;

/// <summary>One request to optimize: where it goes, its parsed body and its attribution.</summary>
public sealed class OptimizationRequest
{
    /// <summary>openai | anthropic | gemini.</summary>
    public required string Provider { get; init; }

    /// <summary>chat | responses | messages | generateContent | streamGenerateContent (PromptEvent.Operation values).</summary>
    public string Operation { get; init; } = "chat";

    /// <summary>Request model (body <c>model</c>, or Gemini's path model).</summary>
    public string? Model { get; init; }

    /// <summary>The parsed body. The pipeline never mutates it: optimizers work on copies.</summary>
    public required JsonObject Body { get; init; }

    /// <summary>
    /// The same body as the <see cref="JsonElement"/> it was parsed into, when the caller has one (and keeps its document
    /// alive for the run): the pipeline's read-only looks read it, and <see cref="Body"/>'s tree is built only when an
    /// optimizer may propose. Null: the looks read <see cref="Body"/>.
    /// </summary>
    public JsonElement? BodyElement { get; init; }

    /// <summary>
    /// Input tokens of <see cref="Body"/> for <see cref="Model"/> when the caller already counted them with the same
    /// counter (the proxy's observer did, as <c>PromptEvent.EstimatedInputTokens</c>); null: the pipeline counts.
    /// </summary>
    public int? InputTokens { get; init; }

    public string? SessionId { get; init; }

    public string? WorkflowId { get; init; }

    public string? AgentId { get; init; }

    /// <summary>Short credential hash: keys the prompt-cache session when there is no session id.</summary>
    public string? CredentialHash { get; init; }

    public string? PromptHash { get; init; }

    /// <summary>Envelope id of the prompt event this request belongs to: the stored row (replay) or the id reserved for the live request's PromptEvent (proxy).</summary>
    public string? PromptEventId { get; init; }
}

/// <summary>One optimizer's recommendation and what the pipeline decided about it.</summary>
public sealed record Recommendation
{
    public required string Kind { get; init; }

    /// <summary>applied | rejected | skipped | replay.</summary>
    public required string Decision { get; init; }

    public required string Reason { get; init; }

    /// <summary>Input tokens before this optimizer (real tokenizer via RequestTokenCounter).</summary>
    public long TokensBefore { get; init; }

    public long TokensAfter { get; init; }

    /// <summary>TokensBefore − TokensAfter.</summary>
    public long EstimatedTokensSaved { get; init; }

    /// <summary>Input-side dollars saved per request (rate card via IPromptCostStamper); null when the model is unpriced.</summary>
    public decimal? EstimatedUsdSaved { get; init; }

    /// <summary>0..1; null when the optimizer did not run.</summary>
    public double? Quality { get; init; }

    /// <summary>True when the recommendation passed the filters (kind enabled, quality ≥ min_quality) — whether or not it was applied live.</summary>
    public bool Accepted { get; init; }

    /// <summary>prompt_cache_hint: prompt tokens later requests can read from the provider's cache.</summary>
    public int? CacheableTokens { get; init; }

    /// <summary>model_router: the model recommended instead.</summary>
    public string? Model { get; init; }

    /// <summary>The body with only this recommendation applied on top of the previous accepted ones (not serialized).</summary>
    [JsonIgnore]
    public JsonObject? RewrittenBody { get; init; }
}

/// <summary>The result of one pipeline run.</summary>
public sealed class OptimizationOutcome
{
    public required IReadOnlyList<Recommendation> Recommendations { get; init; }

    /// <summary>The body after every accepted rewrite (the original instance when nothing changed).</summary>
    public required JsonObject Body { get; init; }

    /// <summary>Model after routing (the request model when unchanged).</summary>
    public string? Model { get; init; }

    public bool Changed { get; init; }

    public long TokensBefore { get; init; }

    public long TokensAfter { get; init; }

    /// <summary>Sum of the accepted recommendations' dollar savings; null when any of them is unpriced.</summary>
    public decimal? EstimatedUsdSaved { get; init; }

    /// <summary>Kinds whose rewrite is in <see cref="Body"/>, comma-separated in pipeline order ("" when none).</summary>
    public string AppliedKinds { get; init; } = "";

    /// <summary>False when the body is not a request shape the optimizers understand (left untouched).</summary>
    public bool Supported { get; init; } = true;
}
