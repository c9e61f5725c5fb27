namespace TokenOps.Otlp.Mapping;

/// <summary>
/// Attribute and metric names of the OpenTelemetry GenAI semantic conventions v1.40.0
/// (https://github.com/open-telemetry/semantic-conventions/tree/v1.40.0/docs/gen-ai, status: development),
/// plus TokenOps' own tokenops.* names. One place, so a semconv bump is one diff.
/// </summary>
internal static class GenAiNames
{
    public const string OperationName = "gen_ai.operation.name";
    public const string ProviderName = "gen_ai.provider.name";
    public const string RequestModel = "gen_ai.request.model";
    public const string RequestMaxTokens = "gen_ai.request.max_tokens";
    public const string ResponseModel = "gen_ai.response.model";
    public const string ResponseId = "gen_ai.response.id";
    public const string ResponseFinishReasons = "gen_ai.response.finish_reasons";
    public const string UsageInputTokens = "gen_ai.usage.input_tokens";
    public const string UsageOutputTokens = "gen_ai.usage.output_tokens";
    public const string UsageCacheReadInputTokens = "gen_ai.usage.cache_read.input_tokens";

    /// <summary>The registry name is cache_CREATION (not cache_write): model/gen-ai/registry.yaml.</summary>
    public const string UsageCacheCreationInputTokens = "gen_ai.usage.cache_creation.input_tokens";

    /// <summary>Added by semantic-conventions PR #3383 (v1.40.0); a subset of output_tokens.</summary>
    public const string UsageReasoningOutputTokens = "gen_ai.usage.reasoning.output_tokens";
    public const string ConversationId = "gen_ai.conversation.id";
    public const string TokenType = "gen_ai.token.type";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";
    public const string HttpResponseStatusCode = "http.response.status_code";
    public const string ErrorType = "error.type";

    // Pre-1.37 names (otlp.semconv=legacy): gen_ai.system was replaced by gen_ai.provider.name in 1.37,
    // prompt/completion_tokens by input/output_tokens in 1.27.
    public const string LegacySystem = "gen_ai.system";
    public const string LegacyPromptTokens = "gen_ai.usage.prompt_tokens";
    public const string LegacyCompletionTokens = "gen_ai.usage.completion_tokens";

    // Metrics (docs/gen-ai/gen-ai-metrics.md).
    public const string MetricOperationDuration = "gen_ai.client.operation.duration";
    public const string MetricTokenUsage = "gen_ai.client.token.usage";

    /// <summary>Added by semantic-conventions PR #3377 (v1.40.0): streaming calls only.</summary>
    public const string MetricTimeToFirstChunk = "gen_ai.client.operation.time_to_first_chunk";
    public const string MetricCost = "tokenops.cost";

    // TokenOps' own namespace.
    public const string CostUsd = "tokenops.cost_usd";
    public const string SavedUsd = "tokenops.saved_usd";
    public const string CacheHit = "tokenops.cache_hit";
    public const string WorkflowId = "tokenops.workflow_id";
    public const string AgentId = "tokenops.agent_id";
    public const string UserId = "tokenops.user_id";
    public const string UsageSource = "tokenops.usage_source";
    public const string PricingStatus = "tokenops.pricing_status";
    public const string PromptHash = "tokenops.prompt_hash";
    public const string TimeToFirstTokenMs = "tokenops.time_to_first_token_ms";
    public const string EventId = "tokenops.event_id";
    public const string EventSource = "tokenops.source";
    public const string Stream = "tokenops.stream";
    public const string ProxyError = "tokenops.proxy_error";
    public const string RequestBody = "tokenops.request.body";
    public const string ResponseBody = "tokenops.response.body";

    /// <summary>Bucket boundaries for the duration and time-to-first-chunk histograms, from the semconv metric definitions.</summary>
    public static readonly double[] DurationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

    /// <summary>Bucket boundaries for gen_ai.client.token.usage.</summary>
    public static readonly double[] TokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

    /// <summary>Our operation names → gen_ai.operation.name well-known values; others pass through (semconv: use the system-specific name).</summary>
    public static string MapOperation(string operation) => operation switch
    {
        "chat" or "responses" or "messages" => "chat",
        "generateContent" or "streamGenerateContent" => "generate_content",
        "embeddings" => "embeddings",
        "" => "other",
        _ => operation,
    };

    /// <summary>gen_ai.provider.name well-known values: openai, anthropic, gcp.gemini (generativelanguage.googleapis.com).</summary>
    public static string MapProvider(string provider) => provider switch
    {
        "gemini" => "gcp.gemini",
        _ => provider,
    };

    /// <summary>Pre-1.37 gen_ai.system values.</summary>
    public static string MapLegacySystem(string provider) => provider;

    public static string DefaultProviderUrl(string provider) => provider switch
    {
        "openai" => "https://api.openai.com",
        "anthropic" => "https://api.anthropic.com",
        "gemini" => "https://generativelanguage.googleapis.com",
        _ => "",
    };
}
