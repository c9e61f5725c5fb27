using TokenOps.Core.Events;

namespace TokenOps.Insights.Workflow;

/// <summary>One prompt event as the workflow and waste analyses see it (a subset of the prompt_events columns).</summary>
internal sealed class StepRow
{
    public required string Id { get; init; }
    public DateTimeOffset Timestamp { get; init; }
    public string Source { get; init; } = EventSources.Proxy;
    public string Provider { get; init; } = "";
    public string? Model { get; init; }
    public string Operation { get; init; } = "";
    public string? CredentialHash { get; init; }
    public string? WorkflowId { get; init; }
    public string? AgentId { get; init; }
    public string? SessionId { get; init; }
    public string? PromptHash { get; init; }
    public string? MessagesHash { get; init; }
    public string? ParentMessagesHash { get; init; }
    public int? MessageCount { get; init; }
    public long? InputTokens { get; init; }
    public long? OutputTokens { get; init; }
    public long? CachedInputTokens { get; init; }
    public long? CacheWriteTokens { get; init; }
    public int? EstimatedInputTokens { get; init; }
    public double LatencyMs { get; init; }
    public decimal? CostUsd { get; init; }
    public bool CacheHit { get; init; }
    public int StatusCode { get; init; }
    public string? ErrorType { get; init; }
    public string? ProxyError { get; init; }
    public string? FinishReason { get; init; }
    public int? MaxTokens { get; init; }
    public int? ToolCount { get; init; }
    public int? ToolDefinitionTokens { get; init; }
    public int? ToolCallCount { get; init; }
    public string? LastToolCallHash { get; init; }

    /// <summary>The request failed (HTTP error or a proxy-side failure).</summary>
    public bool Failed => StatusCode >= 400 || ProxyError is not null;

    /// <summary>Prompt tokens of the step: the provider's count, else our pre-flight estimate.</summary>
    public long Context => InputTokens ?? EstimatedInputTokens ?? 0;

    public static StepRow FromPrompt(string id, PromptEvent p, string source) => new()
    {
        Id = id,
        Timestamp = p.StartedAt,
        Source = source,
        Provider = p.Provider,
        Model = p.ResponseModel ?? p.RequestModel,
        Operation = p.Operation,
        CredentialHash = p.CredentialHash,
        WorkflowId = p.WorkflowId,
        AgentId = p.AgentId,
        SessionId = p.SessionId,
        PromptHash = p.PromptHash,
        MessagesHash = p.MessagesHash,
        ParentMessagesHash = p.ParentMessagesHash,
        MessageCount = p.MessageCount,
        InputTokens = p.InputTokens,
        OutputTokens = p.OutputTokens,
        CachedInputTokens = p.CachedInputTokens,
        CacheWriteTokens = p.CacheWriteInputTokens,
        EstimatedInputTokens = p.EstimatedInputTokens,
        LatencyMs = p.LatencyMs,
        CostUsd = p.CostUsd,
        CacheHit = p.CacheHit,
        StatusCode = p.StatusCode,
        ErrorType = p.ErrorType,
        ProxyError = p.ProxyError,
        FinishReason = p.FinishReason,
        MaxTokens = p.MaxTokens,
        ToolCount = p.ToolCount,
        ToolDefinitionTokens = p.ToolDefinitionTokens,
        ToolCallCount = p.ToolCallCount,
        LastToolCallHash = p.LastToolCallHash,
    };
}
