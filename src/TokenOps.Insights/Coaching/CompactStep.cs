using TokenOps.Insights.Workflow;

namespace TokenOps.Insights.Coaching;

/// <summary>
/// A <see cref="StepRow"/> packed into plain values, for the steps the tracker holds while it waits to see whether a
/// conversation becomes a workflow. The per-request strings — the event id (a UUID) and the hex hashes — are kept as
/// their bytes, so a slot in a preallocated array holds the step without a single object of its own; the remaining
/// references are the few shared strings (provider, operation, model, credential hash...) that are already old.
/// <see cref="ToStepRow"/> gives back an equal row: a value not in the packed format (an upper-case id, a foreign hash)
/// is kept as its string.
/// </summary>
internal struct CompactStep
{
    private Guid _id;
    private string? _idText;
    private Fingerprint _promptHash;
    private Fingerprint _messagesHash;
    private Fingerprint _parentMessagesHash;
    private Fingerprint _lastToolCallHash;
    private string _source;
    private string _provider;
    private string _operation;
    private string? _model;
    private string? _credentialHash;
    private string? _agentId;
    private string? _errorType;
    private string? _proxyError;
    private string? _finishReason;
    private DateTimeOffset _timestamp;
    private long? _inputTokens;
    private long? _outputTokens;
    private long? _cachedInputTokens;
    private long? _cacheWriteTokens;
    private decimal? _costUsd;
    private double _latencyMs;
    private int? _messageCount;
    private int? _estimatedInputTokens;
    private int? _maxTokens;
    private int? _toolCount;
    private int? _toolDefinitionTokens;
    private int? _toolCallCount;
    private int _statusCode;
    private bool _cacheHit;

    /// <summary>When the step finished (start + latency): what idleness is measured from.</summary>
    public readonly DateTimeOffset Done => _timestamp.AddMilliseconds(_latencyMs);

    /// <summary>Packs <paramref name="row"/>. Its workflow and session ids are not kept: a pending step has neither.</summary>
    public static CompactStep From(StepRow row)
    {
        var step = new CompactStep
        {
            _promptHash = row.PromptHash,
            _messagesHash = row.MessagesHash,
            _parentMessagesHash = row.ParentMessagesHash,
            _lastToolCallHash = row.LastToolCallHash,
            _source = row.Source,
            _provider = row.Provider,
            _operation = row.Operation,
            _model = row.Model,
            _credentialHash = row.CredentialHash,
            _agentId = row.AgentId,
            _errorType = row.ErrorType,
            _proxyError = row.ProxyError,
            _finishReason = row.FinishReason,
            _timestamp = row.Timestamp,
            _inputTokens = row.InputTokens,
            _outputTokens = row.OutputTokens,
            _cachedInputTokens = row.CachedInputTokens,
            _cacheWriteTokens = row.CacheWriteTokens,
            _costUsd = row.CostUsd,
            _latencyMs = row.LatencyMs,
            _messageCount = row.MessageCount,
            _estimatedInputTokens = row.EstimatedInputTokens,
            _maxTokens = row.MaxTokens,
            _toolCount = row.ToolCount,
            _toolDefinitionTokens = row.ToolDefinitionTokens,
            _toolCallCount = row.ToolCallCount,
            _statusCode = row.StatusCode,
            _cacheHit = row.CacheHit,
        };

        if (row.TryGetPackedId(out var id))
        {
            step._id = id;
        }
        else
        {
            step._idText = row.Id;
        }

        return step;
    }

    public readonly StepRow ToStepRow() => new()
    {
        Id = _idText ?? _id.ToString(),
        Timestamp = _timestamp,
        Source = _source,
        Provider = _provider,
        Model = _model,
        Operation = _operation,
        CredentialHash = _credentialHash,
        AgentId = _agentId,
        PromptHash = _promptHash,
        MessagesHash = _messagesHash,
        ParentMessagesHash = _parentMessagesHash,
        MessageCount = _messageCount,
        InputTokens = _inputTokens,
        OutputTokens = _outputTokens,
        CachedInputTokens = _cachedInputTokens,
        CacheWriteTokens = _cacheWriteTokens,
        EstimatedInputTokens = _estimatedInputTokens,
        LatencyMs = _latencyMs,
        CostUsd = _costUsd,
        CacheHit = _cacheHit,
        StatusCode = _statusCode,
        ErrorType = _errorType,
        ProxyError = _proxyError,
        FinishReason = _finishReason,
        MaxTokens = _maxTokens,
        ToolCount = _toolCount,
        ToolDefinitionTokens = _toolDefinitionTokens,
        ToolCallCount = _toolCallCount,
        LastToolCallHash = _lastToolCallHash,
    };
}
