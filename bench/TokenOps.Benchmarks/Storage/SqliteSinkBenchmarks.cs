using BenchmarkDotNet.Attributes;
using TokenOps.Core.Events;
using TokenOps.Storage;

namespace TokenOps.Benchmarks.Storage;

/// <summary>
/// The real <see cref="SqliteEventSink"/> (prepared INSERT OR IGNORE, one transaction per batch, WAL,
/// synchronous=NORMAL) on a temp database file, fed as the bus feeds it. ns/op is per event (OperationsPerInvoke),
/// so events/s = 1e9 / ns. The baseline commits one event per transaction (a bus that never batches);
/// <see cref="Batch256"/> is the bus's default MaxBatchSize. Every envelope is new (UUIDv7 id, the row key), built
/// from one fully populated prompt event — creating it (~0.2 µs, ~0.8 KB) is included and small next to the insert.
/// </summary>
[MemoryDiagnoser]
public class SqliteSinkBenchmarks
{
    private const int BatchSize = 256;
    private readonly List<Envelope> _batch = new(BatchSize);
    private string _directory = "";
    private SqliteEventStore _store = null!;
    private SqliteEventSink _sink = null!;
    private PromptEvent _event = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "tokenops-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _store = SqliteEventStore.Open(new StoreOptions { Path = Path.Combine(_directory, "events.db") });
        _sink = _store.CreateSink();
        _event = new PromptEvent
        {
            Provider = Providers.OpenAI,
            Operation = "chat",
            Method = "POST",
            Path = "/v1/chat/completions",
            PromptHash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            RequestModel = "gpt-4o-mini",
            ResponseModel = "gpt-4o-mini-2024-07-18",
            Stream = true,
            MaxTokens = 512,
            MessageCount = 4,
            EstimatedInputTokens = 412,
            Tokenizer = "o200k_base",
            TokenizerExact = true,
            RequestBytes = 1840,
            ResponseBytes = 24_512,
            WorkflowId = "wf-nightly-report",
            AgentId = "summariser",
            SessionId = "session-42",
            CredentialHash = "0123456789abcdef",
            StatusCode = 200,
            ResponseId = "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
            FinishReason = "stop",
            InputTokens = 412,
            OutputTokens = 188,
            CachedInputTokens = 128,
            UsageSource = UsageSources.Provider,
            StartedAt = DateTimeOffset.UtcNow,
            LatencyMs = 812.5,
            TimeToFirstByteMs = 240.1,
            CostUsd = 0.000175m,
        };

        Insert(1);
        if (_sink.Inserted != 1)
        {
            throw new InvalidOperationException("The SQLite sink did not insert the benchmark event.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sink.Dispose();
        _store.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public long OneEventPerTransaction() => Insert(1);

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public long Batch256() => Insert(BatchSize);

    private long Insert(int count)
    {
        _batch.Clear();
        for (var i = 0; i < count; i++)
        {
            _batch.Add(Envelope.ForPrompt(_event));
        }

        _sink.WriteBatchAsync(_batch, CancellationToken.None).GetAwaiter().GetResult();
        return _sink.Inserted;
    }
}
