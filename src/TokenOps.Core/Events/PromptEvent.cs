namespace TokenOps.Core.Events;

/// <summary>
/// One proxied request and its response, as observed by the proxy (or synthesized by replay/demo).
/// Filled in two halves: the request side by the observer, the response side by the usage tap,
/// then costed once (Pricing) and published on the bus inside an <see cref="Envelope"/>.
/// </summary>
/// <remarks>
/// Normalised usage semantics (the same for every provider; see docs in README "Usage model"):
/// <list type="bullet">
/// <item><see cref="InputTokens"/> = ALL prompt tokens the provider processed, including the ones read
/// from its prompt cache and the ones written to it. OpenAI and Gemini already report it that way;
/// for Anthropic it is input_tokens + cache_read_input_tokens + cache_creation_input_tokens.</item>
/// <item><see cref="CachedInputTokens"/> ⊆ InputTokens: read from the provider's prompt cache.</item>
/// <item><see cref="CacheWriteInputTokens"/> ⊆ InputTokens: written to the provider's prompt cache
/// (Anthropic; split into 5m/1h when the provider reports it).</item>
/// <item><see cref="OutputTokens"/> = all generated tokens including reasoning/thinking tokens;
/// <see cref="ReasoningTokens"/> ⊆ OutputTokens.</item>
/// </list>
/// Cost fields are filled by the spend feature (rate card in Core) when the event is created; they stay
/// null with <see cref="PricingStatus"/> = "unpriced" when the model has no price — never a silent $0.
/// </remarks>
public sealed class PromptEvent
{
    // ---- request side (observer) ----
    /// <summary>openai | anthropic | gemini.</summary>
    public string Provider { get; set; } = "";
    /// <summary>chat | responses | messages | generateContent | streamGenerateContent | embeddings | count_tokens | other.</summary>
    public string Operation { get; set; } = "other";
    public string Method { get; set; } = "";
    /// <summary>Path after the provider prefix, without the query string (query strings may carry keys).</summary>
    public string Path { get; set; } = "";
    /// <summary>Lowercase hex sha256 of the request body as received from the client.</summary>
    public string? PromptHash { get; set; }
    public string? RequestModel { get; set; }
    public bool Stream { get; set; }
    /// <summary>max_tokens / max_completion_tokens / max_output_tokens / generationConfig.maxOutputTokens.</summary>
    public int? MaxTokens { get; set; }
    public int? MessageCount { get; set; }
    /// <summary>Pre-flight input-token count from our tokenizer (exact for OpenAI models, calibrated estimate otherwise).</summary>
    public int? EstimatedInputTokens { get; set; }
    /// <summary>Which tokenizer produced <see cref="EstimatedInputTokens"/>: o200k_base | cl100k_base | estimate:anthropic | estimate:gemini | estimate:generic.</summary>
    public string? Tokenizer { get; set; }
    /// <summary>True when <see cref="EstimatedInputTokens"/> came from the model's real tokenizer, false for a calibrated estimate.</summary>
    public bool? TokenizerExact { get; set; }
    public long RequestBytes { get; set; }

    // ---- conversation fingerprints (observer, off the request path; see docs/workflows.md) ----
    /// <summary>
    /// Canonical hash of the conversation sent: system/instructions + every message (key order, whitespace, ids of
    /// tool calls and <c>cache_control</c> markers ignored). The next turn of the same conversation carries this value
    /// as its <see cref="ParentMessagesHash"/>: that is how agent loops are chained into sessions without any header.
    /// </summary>
    public string? MessagesHash { get; set; }
    /// <summary>Canonical hash of the messages before the last assistant turn (null when the request has no assistant turn).</summary>
    public string? ParentMessagesHash { get; set; }
    /// <summary>Tool (function) definitions sent with the request.</summary>
    public int? ToolCount { get; set; }
    /// <summary>Tokens of the tool definitions (the request's tools JSON counted with the model's tokenizer or estimate).</summary>
    public int? ToolDefinitionTokens { get; set; }
    /// <summary>Tool calls the model made earlier in this conversation (assistant tool_calls / tool_use / functionCall in the history).</summary>
    public int? ToolCallCount { get; set; }
    /// <summary>Hash of the tool calls (names + arguments, call ids ignored) of the last assistant turn; null when it called none.</summary>
    public string? LastToolCallHash { get; set; }

    // ---- attribution (X-TokenOps-* headers, traceparent) ----
    public string? WorkflowId { get; set; }
    public string? AgentId { get; set; }
    public string? SessionId { get; set; }
    public string? UserId { get; set; }
    public string? TraceId { get; set; }
    public string? SpanId { get; set; }
    /// <summary>Short hash of the credential (never the credential): tells API keys apart without storing them.</summary>
    public string? CredentialHash { get; set; }

    // ---- response side (usage tap) ----
    public int StatusCode { get; set; }
    public string? ResponseModel { get; set; }
    public string? ResponseId { get; set; }
    public string? FinishReason { get; set; }
    public string? ErrorType { get; set; }
    public string? ErrorCode { get; set; }
    /// <summary>Proxy-side failure category when the exchange did not complete (ForwarderError name), else null.</summary>
    public string? ProxyError { get; set; }
    public long? InputTokens { get; set; }
    public long? OutputTokens { get; set; }
    public long? CachedInputTokens { get; set; }
    public long? CacheWriteInputTokens { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("cache_write_5m_input_tokens")]
    public long? CacheWrite5mInputTokens { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("cache_write_1h_input_tokens")]
    public long? CacheWrite1hInputTokens { get; set; }
    public long? ReasoningTokens { get; set; }
    /// <summary>provider | estimated | unavailable.</summary>
    public string UsageSource { get; set; } = UsageSources.Unavailable;
    public long ResponseBytes { get; set; }

    // ---- timing ----
    public DateTimeOffset StartedAt { get; set; }
    public double LatencyMs { get; set; }
    /// <summary>Time to the first response byte from upstream (headers), ms.</summary>
    public double? TimeToFirstByteMs { get; set; }
    /// <summary>Time to the first generated token (first content delta / first chunk with content), ms.</summary>
    public double? TimeToFirstTokenMs { get; set; }

    // ---- cache ----
    public bool CacheHit { get; set; }

    // ---- cost (spend feature; null until priced) ----
    public decimal? CostUsd { get; set; }
    public decimal? InputCostUsd { get; set; }
    public decimal? OutputCostUsd { get; set; }
    public decimal? CachedInputCostUsd { get; set; }
    public decimal? CacheWriteCostUsd { get; set; }
    /// <summary>For cache hits: what the original call cost, i.e. what the cache saved.</summary>
    public decimal? SavedUsd { get; set; }
    /// <summary>priced | unpriced | partial.</summary>
    public string? PricingStatus { get; set; }
    public string? RateCardVersion { get; set; }

    // ---- captured bodies (only with capture.bodies=true; never serialized into the envelope JSON) ----
    /// <summary>Request body as received (decoded), bounded; set by the observer only when body capture is on.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public byte[]? CapturedRequestBody { get; set; }

    /// <summary>Response body (decompressed), bounded; set by the observer only when body capture is on.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public byte[]? CapturedResponseBody { get; set; }

    /// <summary>
    /// The id the envelope of this event will carry (<see cref="Envelope.ForPrompt"/>), reserved before it is published so
    /// that events about the same request published earlier (OptimizationEvent.PromptEventId) can link to it. Null until
    /// something needs it; not serialized (the envelope carries it as its id).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? EnvelopeId { get; set; }

    /// <summary>Reserves <see cref="EnvelopeId"/> (once) and returns it: what an event about this request links to.</summary>
    public string ReserveEnvelopeId() => EnvelopeId ??= Envelope.NewId();
}

public static class UsageSources
{
    public const string Provider = "provider";
    public const string Estimated = "estimated";
    public const string Unavailable = "unavailable";
}

public static class Providers
{
    public const string OpenAI = "openai";
    public const string Anthropic = "anthropic";
    public const string Gemini = "gemini";
}
