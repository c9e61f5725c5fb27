namespace TokenOps.Storage.Queries;

/// <summary>Filter for <see cref="EventQueries.Recent"/> (<c>tokenops events</c>). All parts optional.</summary>
public sealed record EventFilter
{
    public const int DefaultLimit = 50;

    /// <summary>Inclusive lower bound on the request start time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Exclusive upper bound on the request start time.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>openai | anthropic | gemini (case-insensitive).</summary>
    public string? Provider { get; init; }

    /// <summary>Exact model as grouped by reports (response model, else request model).</summary>
    public string? Model { get; init; }

    public string? Workflow { get; init; }

    /// <summary>Newest N rows; clamped to 1..10000.</summary>
    public int Limit { get; init; } = DefaultLimit;
}

/// <summary>One row of <c>tokenops events</c>: a prompt event's headline numbers, newest first.</summary>
public sealed record PromptEventRow
{
    public string Id { get; init; } = "";
    public DateTimeOffset Timestamp { get; init; }
    public string Source { get; init; } = "";
    public string Provider { get; init; } = "";
    public string? Model { get; init; }
    public string Operation { get; init; } = "";
    public bool Stream { get; init; }
    public long? InputTokens { get; init; }
    public long? OutputTokens { get; init; }
    public long? CachedInputTokens { get; init; }
    public long? ReasoningTokens { get; init; }
    public double LatencyMs { get; init; }
    public double? TimeToFirstTokenMs { get; init; }
    public int StatusCode { get; init; }
    public string? ErrorType { get; init; }
    public string? ProxyError { get; init; }
    public decimal? CostUsd { get; init; }
    public string? PricingStatus { get; init; }
    public bool CacheHit { get; init; }
    public string UsageSource { get; init; } = "";
    public string? WorkflowId { get; init; }
    public string? AgentId { get; init; }
    public string? SessionId { get; init; }
    public string? ResponseId { get; init; }
    public long? CacheWriteInputTokens { get; init; }
    [System.Text.Json.Serialization.JsonPropertyName("cache_write_5m_input_tokens")]
    public long? CacheWrite5mInputTokens { get; init; }
    [System.Text.Json.Serialization.JsonPropertyName("cache_write_1h_input_tokens")]
    public long? CacheWrite1hInputTokens { get; init; }
    public decimal? SavedUsd { get; init; }
    public string? RequestModel { get; init; }
}

/// <summary>Store summary for <c>tokenops status</c>.</summary>
public sealed record StoreStats
{
    public string Path { get; init; } = "";
    /// <summary>Database file plus its -wal file: what the store occupies on disk.</summary>
    public long FileSizeBytes { get; init; }
    public long DatabaseBytes { get; init; }
    public long WalBytes { get; init; }
    public int SchemaVersion { get; init; }
    public long TotalEvents { get; init; }
    /// <summary>Event count per envelope type (prompt, optimization, workflow, coaching), zero types omitted.</summary>
    public Dictionary<string, long> CountsByType { get; init; } = [];
    public DateTimeOffset? FirstTimestamp { get; init; }
    public DateTimeOffset? LastTimestamp { get; init; }
}

/// <summary>Redacted, decompressed request/response bodies captured with capture.bodies=true (for replay).</summary>
public sealed record CapturedBodies(byte[]? Request, byte[]? Response);
