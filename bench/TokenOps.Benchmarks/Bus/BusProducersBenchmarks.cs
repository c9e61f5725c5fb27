using BenchmarkDotNet.Attributes;
using TokenOps.Core.Bus;
using TokenOps.Core.Events;

namespace TokenOps.Benchmarks.Bus;

/// <summary>
/// Ring-buffer publish with 1 and N concurrent producers (request threads finishing at the same time) into one sink
/// whose consumer drains in the background. Each operation of the benchmark is one TryPublish; an invocation has
/// <see cref="Producers"/> threads publish <see cref="PerInvoke"/> envelopes between them, so ns/op is the
/// throughput cost per event under contention (the claim is a CAS on a shared cursor). Producer threads are
/// created once and released per invocation through pre-allocated events: publish must stay at 0 B with
/// contention too (the allocation measurement is process-wide, so it covers the producer threads).
/// The baseline is the same fan-out with an interlocked increment instead of a publish. On a 2-core machine 4
/// producers oversubscribe the CPU: read the time as contention cost, not scaling.
/// </summary>
[MemoryDiagnoser]
public class BusProducersBenchmarks
{
    private const int PerInvoke = 4096;
    private readonly Envelope _envelope = Envelope.ForPrompt(new PromptEvent { Provider = Providers.OpenAI });
    private EventBus _bus = null!;
    private Thread[] _threads = [];
    private ManualResetEventSlim[] _go = [];
    private CountdownEvent _done = null!;
    private volatile bool _increment;
    private volatile bool _stop;
    private long _counter;
    private long _published;

    [Params(1, 4)]
    public int Producers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _bus = new EventBus([new NullSink()], new EventBusOptions { Capacity = 1 << 16 });
        _bus.Start();
        var helpers = Producers - 1;
        _go = new ManualResetEventSlim[helpers];
        _threads = new Thread[helpers];
        _done = new CountdownEvent(Math.Max(1, helpers));
        for (var i = 0; i < helpers; i++)
        {
            var go = _go[i] = new ManualResetEventSlim(false);
            _threads[i] = new Thread(() => ProducerLoop(go)) { IsBackground = true, Name = "bench-producer-" + i };
            _threads[i].Start();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop = true;
        foreach (var go in _go)
        {
            go.Set();
        }

        foreach (var thread in _threads)
        {
            thread.Join();
        }

        _bus.StopAsync().GetAwaiter().GetResult();
        _done.Dispose();
        foreach (var go in _go)
        {
            go.Dispose();
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = PerInvoke)]
    public long InterlockedIncrement()
    {
        _increment = true;
        return Run();
    }

    [Benchmark(OperationsPerInvoke = PerInvoke)]
    public long Publish()
    {
        _increment = false;
        return Run();
    }

    private long Run()
    {
        foreach (var go in _go)
        {
            go.Set();
        }

        Work();
        if (_go.Length > 0)
        {
            _done.Wait();
            _done.Reset(_go.Length);
        }

        return Volatile.Read(ref _published);
    }

    private void ProducerLoop(ManualResetEventSlim go)
    {
        while (true)
        {
            go.Wait();
            go.Reset();
            if (_stop)
            {
                return;
            }

            Work();
            _done.Signal();
        }
    }

    private void Work()
    {
        var share = PerInvoke / Producers;
        if (_increment)
        {
            for (var i = 0; i < share; i++)
            {
                Interlocked.Increment(ref _counter);
            }

            return;
        }

        var ok = 0;
        for (var i = 0; i < share; i++)
        {
            if (_bus.TryPublish(_envelope))
            {
                ok++;
            }
        }

        Interlocked.Add(ref _published, ok);
    }

    private sealed class NullSink : IEventSink
    {
        public string Name => "null";

        public ValueTask WriteBatchAsync(IReadOnlyList<Envelope> batch, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
