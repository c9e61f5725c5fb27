using System.Reflection;
using TokenOps.Core.Events;
using TokenOps.Insights.Coaching;
using TokenOps.Insights.Workflow;

namespace TokenOps.Insights.Tests.Coaching;

public sealed class CompactStepTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 10, 0, 0, TimeSpan.FromHours(2));

    private static StepRow FullRow(string id, string? promptHash, string? messagesHash, string? parent, string? toolHash) => new()
    {
        Id = id,
        Timestamp = T0,
        Source = EventSources.Replay,
        Provider = Providers.Anthropic,
        Model = "claude-sonnet-4-5",
        Operation = "messages",
        CredentialHash = "c0ffee",
        AgentId = "agent-7",
        PromptHash = promptHash,
        MessagesHash = messagesHash,
        ParentMessagesHash = parent,
        MessageCount = 12,
        InputTokens = 12_345,
        OutputTokens = 678,
        CachedInputTokens = 9_000,
        CacheWriteTokens = 1_024,
        EstimatedInputTokens = 12_300,
        LatencyMs = 1234.5,
        CostUsd = 0.0123456789m,
        CacheHit = true,
        StatusCode = 429,
        ErrorType = "rate_limit_error",
        ProxyError = "upstream_timeout",
        FinishReason = "max_tokens",
        MaxTokens = 4096,
        ToolCount = 3,
        ToolDefinitionTokens = 456,
        ToolCallCount = 2,
        LastToolCallHash = toolHash,
    };

    public static TheoryData<string, string?, string?, string?, string?> Rows => new()
    {
        // The proxy's formats: UUIDv7 id, SHA-256 prompt hash, 16-byte message and tool-call hashes.
        { Guid.CreateVersion7().ToString(), new string('a', 64), "0123456789abcdef0123456789abcdef", "fedcba98765432100123456789abcdef", "00000000000000000000000000000001" },
        // Anything else round-trips as text: upper-case, odd length, too long, not hex, empty, absent.
        { Guid.NewGuid().ToString().ToUpperInvariant(), new string('A', 64), "abc", new string('b', 66), "not-hex!" },
        { "e42", "", null, null, null },
        { "", "00", "ff", "0f", "10" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void FromThenToStepRow_GivesBackAnEqualRow(string id, string? promptHash, string? messagesHash, string? parent, string? toolHash)
    {
        var row = FullRow(id, promptHash, messagesHash, parent, toolHash);

        var back = CompactStep.From(row).ToStepRow();

        foreach (var property in typeof(StepRow).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.Name is nameof(StepRow.WorkflowId) or nameof(StepRow.SessionId))
            {
                continue; // a pending step has neither (it would belong to an explicit workflow)
            }

            Assert.True(Equals(property.GetValue(row), property.GetValue(back)), $"{property.Name}: {property.GetValue(row)} != {property.GetValue(back)}");
        }
    }

    [Fact]
    public void Done_IsStartPlusLatency() =>
        Assert.Equal(T0.AddMilliseconds(1234.5), CompactStep.From(FullRow("x", null, null, null, null)).Done);

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef", true)] // the proxy's message hashes: packed as bytes
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true)] // and its prompt hashes
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef00", false)] // longer: kept
    [InlineData("9876543210", true)]
    [InlineData("0123456789ABCDEF", false)] // anything else is kept as the string itself
    [InlineData("abc", false)]
    [InlineData("", false)]
    public void Fingerprint_PacksOnlyLowerCaseHex_AndGivesBackEqualText(string text, bool packed)
    {
        var fingerprint = Fingerprint.From(text);
        var back = fingerprint.ToText();

        Assert.Equal(text, back);
        Assert.Equal(packed, fingerprint.IsPacked);
        Assert.Equal(packed, !ReferenceEquals(text, back)); // a packed value is rebuilt, a kept one is the same string
        Assert.Equal(fingerprint, Fingerprint.FromUtf8(System.Text.Encoding.UTF8.GetBytes(text)));
    }
}
