using TokenOps.Core.Events;

namespace TokenOps.Insights.Workflow;

/// <summary>One prompt event as the workflow and waste analyses see it (a subset of the prompt_events columns).</summary>
/// <remarks>
/// A 30-day report holds a million of these at once, so the row is kept compact: the hashes are <see cref="Fingerprint"/>
/// values (their bytes, not strings), an id in the proxy's form (a lower-case UUID) is a <see cref="Guid"/> made into text
/// only when asked for (evidence, traces), and the optional numbers are plain fields with a bit each saying whether they
/// are set. Every property reads back exactly what was put in.
/// </remarks>
internal sealed class StepRow
{
    private Guid _id;
    private string? _idText;
    private long _inputTokens;
    private long _outputTokens;
    private long _cachedInputTokens;
    private long _cacheWriteTokens;
    private decimal _costUsd;
    private int _messageCount;
    private int _estimatedInputTokens;
    private int _maxTokens;
    private int _toolCount;
    private int _toolDefinitionTokens;
    private int _toolCallCount;
    private Has _has;

    [Flags]
    private enum Has : ushort
    {
        None = 0,
        InputTokens = 1 << 0,
        OutputTokens = 1 << 1,
        CachedInputTokens = 1 << 2,
        CacheWriteTokens = 1 << 3,
        CostUsd = 1 << 4,
        MessageCount = 1 << 5,
        EstimatedInputTokens = 1 << 6,
        MaxTokens = 1 << 7,
        ToolCount = 1 << 8,
        ToolDefinitionTokens = 1 << 9,
        ToolCallCount = 1 << 10,
    }

    /// <summary>The event id. A lower-case UUID is stored as its 16 bytes: reading this property then makes a new string.</summary>
    public required string Id
    {
        get => _idText ?? _id.ToString();
        init
        {
            // Guid.ToString() is the lower-case "D" form: only an id that prints back identically is packed.
            if (value.Length == 36 && Guid.TryParseExact(value, "D", out var id) && !HasUpperCase(value))
            {
                _id = id;
                _idText = null;
            }
            else
            {
                _idText = value;
            }
        }
    }

    public DateTimeOffset Timestamp { get; init; }
    public string Source { get; init; } = EventSources.Proxy;
    public string Provider { get; init; } = "";
    public string? Model { get; init; }
    public string Operation { get; init; } = "";
    public string? CredentialHash { get; init; }
    public string? WorkflowId { get; init; }
    public string? AgentId { get; init; }
    public string? SessionId { get; init; }
    public Fingerprint PromptHash { get; init; }
    public Fingerprint MessagesHash { get; init; }
    public Fingerprint ParentMessagesHash { get; init; }

    public int? MessageCount
    {
        get => (_has & Has.MessageCount) != 0 ? _messageCount : null;
        init => Set(ref _messageCount, value, Has.MessageCount);
    }

    public long? InputTokens
    {
        get => (_has & Has.InputTokens) != 0 ? _inputTokens : null;
        init => Set(ref _inputTokens, value, Has.InputTokens);
    }

    public long? OutputTokens
    {
        get => (_has & Has.OutputTokens) != 0 ? _outputTokens : null;
        init => Set(ref _outputTokens, value, Has.OutputTokens);
    }

    public long? CachedInputTokens
    {
        get => (_has & Has.CachedInputTokens) != 0 ? _cachedInputTokens : null;
        init => Set(ref _cachedInputTokens, value, Has.CachedInputTokens);
    }

    public long? CacheWriteTokens
    {
        get => (_has & Has.CacheWriteTokens) != 0 ? _cacheWriteTokens : null;
        init => Set(ref _cacheWriteTokens, value, Has.CacheWriteTokens);
    }

    public int? EstimatedInputTokens
    {
        get => (_has & Has.EstimatedInputTokens) != 0 ? _estimatedInputTokens : null;
        init => Set(ref _estimatedInputTokens, value, Has.EstimatedInputTokens);
    }

    public double LatencyMs { get; init; }

    public decimal? CostUsd
    {
        get => (_has & Has.CostUsd) != 0 ? _costUsd : null;
        init => Set(ref _costUsd, value, Has.CostUsd);
    }

    public bool CacheHit { get; init; }
    public int StatusCode { get; init; }
    public string? ErrorType { get; init; }
    public string? ProxyError { get; init; }
    public string? FinishReason { get; init; }

    public int? MaxTokens
    {
        get => (_has & Has.MaxTokens) != 0 ? _maxTokens : null;
        init => Set(ref _maxTokens, value, Has.MaxTokens);
    }

    public int? ToolCount
    {
        get => (_has & Has.ToolCount) != 0 ? _toolCount : null;
        init => Set(ref _toolCount, value, Has.ToolCount);
    }

    public int? ToolDefinitionTokens
    {
        get => (_has & Has.ToolDefinitionTokens) != 0 ? _toolDefinitionTokens : null;
        init => Set(ref _toolDefinitionTokens, value, Has.ToolDefinitionTokens);
    }

    public int? ToolCallCount
    {
        get => (_has & Has.ToolCallCount) != 0 ? _toolCallCount : null;
        init => Set(ref _toolCallCount, value, Has.ToolCallCount);
    }

    public Fingerprint LastToolCallHash { get; init; }

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

    /// <summary>The id as its 16 bytes, when it is a lower-case UUID (no string is made).</summary>
    internal bool TryGetPackedId(out Guid id)
    {
        id = _id;
        return _idText is null;
    }

    private void Set<T>(ref T field, T? value, Has bit)
        where T : struct
    {
        field = value.GetValueOrDefault();
        _has = value.HasValue ? _has | bit : _has & ~bit;
    }

    private static bool HasUpperCase(string s) => s.AsSpan().IndexOfAnyInRange('A', 'Z') >= 0;
}
