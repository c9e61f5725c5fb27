using TokenOps.Core.Events;

namespace TokenOps.Otlp.Tests.Support;

/// <summary>One realistic PromptEvent per provider, every field the exporter maps filled with a distinct value.</summary>
internal static class PromptFixtures
{
    public static readonly DateTimeOffset Start = new(2026, 3, 14, 15, 9, 26, 535, TimeSpan.Zero);

    public static PromptEvent For(string provider) => provider switch
    {
        "openai" => new PromptEvent
        {
            Provider = "openai",
            Operation = "responses",
            Method = "POST",
            Path = "/v1/responses",
            PromptHash = "a1b2c3",
            RequestModel = "o4-mini",
            ResponseModel = "o4-mini-2025-04-16",
            ResponseId = "resp_123",
            FinishReason = "completed",
            MaxTokens = 2048,
            InputTokens = 1200,
            OutputTokens = 300,
            CachedInputTokens = 1024,
            ReasoningTokens = 128,
            StatusCode = 200,
            UsageSource = UsageSources.Provider,
            StartedAt = Start,
            LatencyMs = 1234.5,
            TimeToFirstTokenMs = 410.25,
            Stream = true,
            WorkflowId = "wf-nightly",
            AgentId = "agent-7",
            SessionId = "sess-42",
            UserId = "alice",
            CostUsd = 0.0123m,
            PricingStatus = "priced",
        },
        "anthropic" => new PromptEvent
        {
            Provider = "anthropic",
            Operation = "messages",
            Method = "POST",
            Path = "/v1/messages",
            PromptHash = "d4e5f6",
            RequestModel = "claude-sonnet-4-5",
            ResponseModel = "claude-sonnet-4-5-20250929",
            ResponseId = "msg_01XFDUDYJgAACzvnptvVoYEL",
            FinishReason = "end_turn",
            MaxTokens = 1024,
            InputTokens = 5000,
            OutputTokens = 400,
            CachedInputTokens = 4000,
            CacheWriteInputTokens = 500,
            StatusCode = 200,
            UsageSource = UsageSources.Provider,
            StartedAt = Start,
            LatencyMs = 2500,
            WorkflowId = "wf-review",
            AgentId = "reviewer",
            SessionId = "sess-anth",
            UserId = "bob",
            CostUsd = 0.0456m,
            PricingStatus = "priced",
            CacheHit = true,
            SavedUsd = 0.0456m,
        },
        _ => new PromptEvent
        {
            Provider = "gemini",
            Operation = "streamGenerateContent",
            Method = "POST",
            Path = "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
            PromptHash = "0f0f0f",
            RequestModel = "gemini-2.5-flash",
            ResponseModel = "gemini-2.5-flash-001",
            ResponseId = "gem-resp-9",
            FinishReason = "STOP",
            MaxTokens = 512,
            InputTokens = 900,
            OutputTokens = 150,
            ReasoningTokens = 40,
            StatusCode = 200,
            UsageSource = UsageSources.Estimated,
            StartedAt = Start,
            LatencyMs = 800,
            TimeToFirstTokenMs = 120,
            Stream = true,
            WorkflowId = "wf-g",
            AgentId = "gem-agent",
            SessionId = "sess-g",
            UserId = "carol",
            PricingStatus = "unpriced",
        },
    };
}
