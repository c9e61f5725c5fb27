using BenchmarkDotNet.Attributes;
using TokenOps.Core.Bus;
using TokenOps.Core.Events;

namespace TokenOps.Benchmarks.Bus;

/// <summary>
/// Publishing one envelope on the ring-buffer bus with one and with four sinks (each sink has its own ring, so a
/// publish is one try-claim per sink). The consumers drain into no-op sinks in the background; the hot path —
/// TryPublish — must allocate nothing (budget 0). The baseline is a plain interlocked increment.
/// </summary>
[MemoryDiagnoser]
public class BusPublishBenchmarks
{
    private readonly Envelope _envelope = Envelope.ForPrompt(new PromptEvent { Provider = Providers.OpenAI });
    private EventBus _one = null!;
    private EventBus _four = null!;
    private long _counter;

    [GlobalSetup]
    public void Setup()
    {
        _one = new EventBus([new NullSink()], new EventBusOptions { Capacity = 1 << 16 });
        _four = new EventBus([new NullSink(), new NullSink(), new NullSink(), new NullSink()], new EventBusOptions { Capacity = 1 << 16 });
        _one.Start();
        _four.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _one.StopAsync().GetAwaiter().GetResult();
        _four.StopAsync().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true)]
    public long InterlockedIncrement() => Interlocked.Increment(ref _counter);

    [Benchmark]
    public bool PublishOneSink() => _one.TryPublish(_envelope);

    [Benchmark]
    public bool PublishFourSinks() => _four.TryPublish(_envelope);

    private sealed class NullSink : IEventSink
    {
        public string Name => "null";

        public ValueTask WriteBatchAsync(IReadOnlyList<Envelope> batch, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
