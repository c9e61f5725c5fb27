using TokenOps.Core.Events;

namespace TokenOps.Core.Tests.Events;

/// <summary>Deterministic envelopes with every payload field set (the golden files pin their JSON).</summary>
internal static class SampleEnvelopes
{
    public static readonly DateTimeOffset Time = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public static Envelope Prompt() => new()
    {
        Id = "0197a3c2-0000-7000-8000-000000000001",
        Type = EventTypes.Prompt,
        Timestamp = Time,
        Source = EventSources.Proxy,
        Attributes = new Dictionary<string, string> { ["client"] = "openai-node" },
        Prompt = new PromptEvent
        {
            Provider = Providers.Anthropic,
            Operation = "messages",
            Method = "POST",
            Path = "/v1/messages",
            PromptHash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            RequestModel = "claude-sonnet-4-5",
            Stream = true,
            MaxTokens = 1024,
            MessageCount = 3,
            EstimatedInputTokens = 1480,
            Tokenizer = "estimate:anthropic",
            TokenizerExact = false,
            RequestBytes = 5120,
            WorkflowId = "wf-1",
            AgentId = "agent-a",
            SessionId = "sess-9",
            UserId = "user-7",
            TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
            SpanId = "00f067aa0ba902b7",
            CredentialHash = "c0ffee12",
            StatusCode = 200,
            ResponseModel = "claude-sonnet-4-5-20250929",
            ResponseId = "msg_01",
            FinishReason = "end_turn",
            InputTokens = 1500,
            OutputTokens = 320,
            CachedInputTokens = 1000,
            CacheWriteInputTokens = 200,
            CacheWrite5mInputTokens = 150,
            CacheWrite1hInputTokens = 50,
            ReasoningTokens = 64,
            UsageSource = UsageSources.Provider,
            ResponseBytes = 9000,
            StartedAt = Time,
            LatencyMs = 812.5,
            TimeToFirstByteMs = 120.25,
            TimeToFirstTokenMs = 240.5,
            CacheHit = false,
            CostUsd = 0.0123m,
            InputCostUsd = 0.0009m,
            OutputCostUsd = 0.0048m,
            CachedInputCostUsd = 0.0003m,
            CacheWriteCostUsd = 0.0063m,
            PricingStatus = "priced",
            RateCardVersion = "2025-06-01",
            CapturedRequestBody = "{\"secret\":\"never in json\"}"u8.ToArray(),
        },
    };

    public static Envelope Optimization() => new()
    {
        Id = "0197a3c2-0000-7000-8000-000000000002",
        Type = EventTypes.Optimization,
        Timestamp = Time,
        Source = EventSources.Replay,
        Optimization = new OptimizationEvent
        {
            Kind = "dedupe_context",
            Decision = OptimizationDecisions.Applied,
            Reason = "3 identical tool results collapsed",
            TokensBefore = 4000,
            TokensAfter = 2500,
            EstimatedTokensSaved = 1500,
            EstimatedUsdSaved = 0.0045m,
            Quality = 0.98,
            PromptHash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            PromptEventId = "0197a3c2-0000-7000-8000-000000000001",
            Provider = Providers.OpenAI,
            Model = "gpt-4o",
            WorkflowId = "wf-1",
            SessionId = "sess-9",
            AgentId = "agent-a",
        },
    };

    public static Envelope Workflow() => new()
    {
        Id = "0197a3c2-0000-7000-8000-000000000003",
        Type = EventTypes.Workflow,
        Timestamp = Time,
        Source = EventSources.Daemon,
        Workflow = new WorkflowEvent
        {
            WorkflowId = "wf-1",
            State = WorkflowStates.Completed,
            StepCount = 12,
            InputTokens = 48000,
            OutputTokens = 3600,
            CachedInputTokens = 30000,
            CostUsd = 0.4215m,
            FirstTimestamp = Time.AddMinutes(-5),
            LastTimestamp = Time,
            AgentId = "agent-a",
            SessionId = "sess-9",
        },
    };

    public static Envelope Coaching() => new()
    {
        Id = "0197a3c2-0000-7000-8000-000000000004",
        Type = EventTypes.Coaching,
        Timestamp = Time,
        Source = EventSources.Daemon,
        Coaching = new CoachingEvent
        {
            Kind = "missing_prompt_cache",
            Severity = CoachingSeverities.Warning,
            Summary = "The same 6k-token system prompt was sent 40 times without caching",
            Details = "Mark the system prompt with cache_control to pay the cached rate.",
            EvidenceEventIds = ["0197a3c2-0000-7000-8000-000000000001", "0197a3c2-0000-7000-8000-000000000005"],
            EstimatedTokensSaved = 216000,
            EstimatedUsdSaved = 0.58m,
            WorkflowId = "wf-1",
        },
    };
}
