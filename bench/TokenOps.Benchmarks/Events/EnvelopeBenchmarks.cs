using BenchmarkDotNet.Attributes;
using TokenOps.Core.Events;

namespace TokenOps.Benchmarks.Events;

/// <summary>
/// Creating the per-request event: one <see cref="PromptEvent"/> and its <see cref="Envelope"/> (UUIDv7
/// id as a string). This happens once per request, after the client has its response — it allocates
/// by design, and the budget pins how much so a new field or a per-request string shows up.
/// </summary>
[MemoryDiagnoser]
public class EnvelopeBenchmarks
{
    private readonly DateTimeOffset _now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Benchmark(Baseline = true)]
    public PromptEvent NewPromptEvent() => Create();

    [Benchmark]
    public Envelope EnvelopeForPrompt() => Envelope.ForPrompt(Create());

    [Benchmark]
    public Guid UuidV7() => Guid.CreateVersion7();

    private PromptEvent Create() => new()
    {
        Provider = Providers.OpenAI,
        Operation = "chat",
        Method = "POST",
        Path = "/v1/chat/completions",
        RequestModel = "gpt-4o-mini",
        Stream = true,
        MaxTokens = 128,
        MessageCount = 2,
        EstimatedInputTokens = 42,
        Tokenizer = "o200k_base",
        TokenizerExact = true,
        RequestBytes = 1024,
        StatusCode = 200,
        InputTokens = 42,
        OutputTokens = 128,
        CachedInputTokens = 0,
        UsageSource = UsageSources.Provider,
        ResponseBytes = 4096,
        StartedAt = _now,
        LatencyMs = 12.5,
        TimeToFirstByteMs = 3.2,
    };
}
