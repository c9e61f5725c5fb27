using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using TokenOps.Core.Events;
using TokenOps.Core.Json;

namespace TokenOps.Benchmarks.Events;

/// <summary>
/// Creating the per-request event: one <see cref="PromptEvent"/> and its <see cref="Envelope"/> (UUIDv7
/// id as a string). This happens once per request, after the client has its response — it allocates
/// by design, and the budget pins how much so a new field or a per-request string shows up.
/// <see cref="SerializeEnvelope"/> writes a fully populated prompt envelope as JSON (the source-generated
/// envelope contract; the SQLite sink stores non-prompt events in this form) into a reused buffer and writer.
/// </summary>
[MemoryDiagnoser]
public class EnvelopeBenchmarks
{
    private readonly DateTimeOffset _now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private Utf8JsonWriter _writer = null!;
    private Envelope _envelope = null!;

    [GlobalSetup]
    public void Setup()
    {
        _writer = new Utf8JsonWriter(_buffer);
        _envelope = Envelope.ForPrompt(Create());
    }

    [GlobalCleanup]
    public void Cleanup() => _writer.Dispose();

    [Benchmark(Baseline = true)]
    public PromptEvent NewPromptEvent() => Create();

    [Benchmark]
    public Envelope EnvelopeForPrompt() => Envelope.ForPrompt(Create());

    [Benchmark]
    public Guid UuidV7() => Guid.CreateVersion7();

    [Benchmark]
    public int SerializeEnvelope()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        EnvelopeJson.WriteTo(_writer, _envelope);
        _writer.Flush();
        return _buffer.WrittenCount;
    }

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
