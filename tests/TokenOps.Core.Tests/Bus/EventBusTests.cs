using TokenOps.Core.Bus;
using TokenOps.Core.Events;
using TokenOps.Testing.Time;

namespace TokenOps.Core.Tests.Bus;

public sealed class EventBusTests
{
    // Failsafe only: no test logic waits on wall-clock time; this bounds a hang if the code under test breaks.
    private static readonly TimeSpan Failsafe = TimeSpan.FromSeconds(30);

    private static Envelope NewEvent(int producer, int index) => new()
    {
        Type = EventTypes.Prompt,
        Timestamp = DateTimeOffset.UnixEpoch,
        Prompt = new PromptEvent { Provider = "p" + producer, MaxTokens = index },
    };

    [Fact]
    public async Task TryPublish_ManyProducersSlowSinkBelowCapacity_DeliversEveryEventOnceInProducerOrder()
    {
        const int producers = 8;
        const int perProducer = 1000;
        var sink = new RecordingSink { DelayPerBatch = TimeSpan.FromMilliseconds(1) };
        await using var bus = new EventBus([sink], new EventBusOptions { Capacity = 16384, MaxBatchSize = 64 });
        bus.Start();

        var threads = new Thread[producers];
        using var start = new ManualResetEventSlim();
        var rejected = 0;
        for (var p = 0; p < producers; p++)
        {
            var producer = p;
            threads[p] = new Thread(() =>
            {
                start.Wait();
                for (var i = 0; i < perProducer; i++)
                {
                    if (!bus.TryPublish(NewEvent(producer, i)))
                    {
                        Interlocked.Increment(ref rejected);
                    }
                }
            });
            threads[p].Start();
        }

        start.Set();
        foreach (var thread in threads)
        {
            thread.Join();
        }

        Assert.True(await bus.StopAsync(Failsafe));

        var counters = bus.GetCounters();
        Assert.Equal(0, rejected);
        Assert.Equal(producers * perProducer, counters.Published);
        Assert.Equal(0, counters.Dropped);
        var sinkCounters = Assert.Single(counters.Sinks);
        Assert.Equal(producers * perProducer, sinkCounters.Delivered);
        Assert.Equal(0, sinkCounters.Pending);
        Assert.Equal(sink.BatchCalls, sinkCounters.Batches);
        Assert.All(sink.BatchSizes, size => Assert.InRange(size, 1, 64));

        var received = sink.Received;
        Assert.Equal(producers * perProducer, received.Count);
        Assert.Equal(received.Count, new HashSet<Envelope>(received, ReferenceEqualityComparer.Instance).Count);
        var nextPerProducer = new int[producers];
        foreach (var envelope in received)
        {
            var producer = int.Parse(envelope.Prompt!.Provider.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(nextPerProducer[producer]++, envelope.Prompt.MaxTokens);
        }
    }

    [Fact]
    public async Task TryPublish_RingFullWhileSinkBlocked_DropsExactlyTheOverflow()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sink = new RecordingSink { Gate = gate.Task };
        await using var bus = new EventBus([sink], new EventBusOptions { Capacity = 64, MaxBatchSize = 16 });
        bus.Start();

        // One event in flight: the consumer has taken it out of the ring and is stuck in the sink.
        Assert.True(bus.TryPublish(NewEvent(0, 0)));
        await sink.FirstBatchEntered.WaitAsync(Failsafe);

        // 8 producers race 1000 publishes into the empty 64-slot ring: exactly 64 fit.
        var accepted = 0;
        Parallel.For(0, 1000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            if (bus.TryPublish(NewEvent(1, i)))
            {
                Interlocked.Increment(ref accepted);
            }
        });

        Assert.Equal(64, accepted);
        var blocked = bus.GetCounters();
        Assert.Equal(65, blocked.Published);
        Assert.Equal(936, blocked.Dropped);
        Assert.Equal(936, blocked.Sinks[0].Dropped);
        Assert.Equal(65, blocked.Sinks[0].Enqueued);
        Assert.Equal(65, blocked.Sinks[0].Pending);

        gate.SetResult();
        Assert.True(await bus.StopAsync(Failsafe));

        var done = bus.GetCounters();
        Assert.Equal(65, done.Sinks[0].Delivered);
        Assert.Equal(0, done.Sinks[0].Pending);
        Assert.Equal(65, sink.Received.Count);
    }

    [Fact]
    public async Task WriteBatch_SinkThrows_CountedReportedAndLoopContinues()
    {
        var sink = new RecordingSink("flaky") { ThrowOnBatch = 1 };
        var reported = new List<(string Sink, Exception Error)>();
        await using var bus = new EventBus([sink], onSinkError: (name, ex) => { lock (reported) { reported.Add((name, ex)); } });
        bus.Start();

        var firstBatchDone = sink.FirstBatchEntered;
        Assert.True(bus.TryPublish(NewEvent(0, 0)));
        await firstBatchDone.WaitAsync(Failsafe);
        var delivered = sink.WaitForCountAsync(2);
        Assert.True(bus.TryPublish(NewEvent(0, 1)));
        Assert.True(bus.TryPublish(NewEvent(0, 2)));
        await delivered.WaitAsync(Failsafe);
        Assert.True(await bus.StopAsync(Failsafe));

        var counters = bus.GetCounters().Sinks[0];
        Assert.Equal(1, counters.Errors);
        Assert.Equal(1, counters.Failed);
        Assert.Equal(2, counters.Delivered);
        Assert.Equal(0, counters.Pending);
        Assert.Equal("sink failure on batch 1", counters.LastError);
        var (name, error) = Assert.Single(reported);
        Assert.Equal("flaky", name);
        Assert.IsType<InvalidOperationException>(error);
        Assert.Equal([1, 2], sink.Received.Select(e => e.Prompt!.MaxTokens!.Value));
    }

    [Fact]
    public async Task StopAsync_FlushThrows_CountedAndStillCompletes()
    {
        var sink = new RecordingSink { ThrowOnFlush = true };
        await using var bus = new EventBus([sink], onSinkError: (_, _) => throw new InvalidOperationException("callback bug"));
        bus.Start();
        Assert.True(bus.TryPublish(NewEvent(0, 0)));

        Assert.True(await bus.StopAsync(Failsafe));

        var counters = bus.GetCounters().Sinks[0];
        Assert.Equal(1, counters.Delivered);
        Assert.Equal(1, counters.Errors);
        Assert.Equal("flush failed", counters.LastError);
    }

    [Fact]
    public async Task StopAsync_EventsPublishedBeforeStart_DrainedThenFlushedOnce()
    {
        var sink = new RecordingSink { DelayPerBatch = TimeSpan.FromMilliseconds(1) };
        await using var bus = new EventBus([sink], new EventBusOptions { Capacity = 1024, MaxBatchSize = 100 });
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(bus.TryPublish(NewEvent(0, i)));
        }

        bus.Start();
        Assert.True(await bus.StopAsync(Failsafe));

        Assert.Equal(1000, sink.Received.Count);
        Assert.Equal(10, sink.BatchCalls);
        Assert.Equal(1, sink.FlushCalls);
        Assert.False(sink.FlushTokenWasCancelled);
        Assert.Equal(0, sink.WritesAfterFlush);
        Assert.Equal(1000, bus.GetCounters().Sinks[0].Delivered);
    }

    [Fact]
    public async Task TryPublish_AfterStop_ReturnsFalseAndCountsDrop()
    {
        var sink = new RecordingSink();
        await using var bus = new EventBus([sink]);
        bus.Start();
        Assert.True(await bus.StopAsync(Failsafe));

        Assert.False(bus.TryPublish(NewEvent(0, 0)));

        var counters = bus.GetCounters();
        Assert.Equal(0, counters.Published);
        Assert.Equal(1, counters.Dropped);
        Assert.Empty(sink.Received);
        Assert.Same(bus.StopAsync(), bus.StopAsync(TimeSpan.Zero));
    }

    [Fact]
    public async Task StopAsync_SinkStuckPastDeadline_CancelsSinkAndReportsPending()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        var never = new TaskCompletionSource();
        var sink = new RecordingSink { Gate = never.Task };
        await using var bus = new EventBus([sink], new EventBusOptions { Capacity = 16, DrainDeadline = TimeSpan.FromSeconds(5) }, timeProvider: time);
        bus.Start();
        Assert.True(bus.TryPublish(NewEvent(0, 0)));
        await sink.FirstBatchEntered.WaitAsync(Failsafe);
        for (var i = 1; i < 5; i++)
        {
            Assert.True(bus.TryPublish(NewEvent(0, i)));
        }

        var stop = bus.StopAsync();
        Assert.False(stop.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(stop.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(await stop.WaitAsync(Failsafe));
        var counters = bus.GetCounters().Sinks[0];
        Assert.Equal(0, counters.Delivered);
        Assert.Equal(1, counters.Failed);
        Assert.Equal(4, counters.Pending);
        Assert.Equal(1, sink.FlushCalls);
        Assert.True(sink.FlushTokenWasCancelled);
    }

    [Fact]
    public async Task TryPublish_OneSinkBlocked_OtherSinkStillGetsEverything()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stuck = new RecordingSink("otlp") { Gate = gate.Task };
        var store = new RecordingSink("sqlite");
        await using var bus = new EventBus([stuck, store], new EventBusOptions { Capacity = 8 });
        bus.Start();
        Assert.True(bus.TryPublish(NewEvent(0, 0)));
        await stuck.FirstBatchEntered.WaitAsync(Failsafe);

        for (var chunk = 0; chunk < 5; chunk++)
        {
            var arrived = store.WaitForCountAsync(1 + ((chunk + 1) * 4));
            for (var i = 0; i < 4; i++)
            {
                bus.TryPublish(NewEvent(0, 1 + (chunk * 4) + i));
            }

            await arrived.WaitAsync(Failsafe);
        }

        var counters = bus.GetCounters();
        Assert.Equal(21, store.Received.Count);
        Assert.Equal(9, counters.Published);   // first event + the 8 that fit the stuck sink's ring
        Assert.Equal(12, counters.Dropped);    // missed by at least one sink
        Assert.Equal(12, counters.Sinks[0].Dropped);
        Assert.Equal(0, counters.Sinks[1].Dropped);
        gate.SetResult();
        Assert.True(await bus.StopAsync(Failsafe));
        Assert.Equal(9, stuck.Received.Count);
    }

    [Fact]
    public async Task TryPublish_NoSinks_AcceptsAndCounts()
    {
        await using var bus = new EventBus([]);
        bus.Start();

        Assert.True(bus.TryPublish(NewEvent(0, 0)));

        Assert.Equal(1, bus.GetCounters().Published);
    }

    [Fact]
    public async Task TryPublish_SteadyState_AllocatesNothingOnTheProducer()
    {
        var sink = new CountingSink();
        await using var bus = new EventBus([sink], new EventBusOptions { Capacity = 1 << 16 });
        bus.Start();
        var envelope = NewEvent(0, 0);
        for (var i = 0; i < 10_000; i++)
        {
            bus.TryPublish(envelope); // warm up: JIT, tiering, the consumer's state machine box
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 50_000; i++)
        {
            bus.TryPublish(envelope);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(await bus.StopAsync(Failsafe));
        Assert.Equal(bus.GetCounters().Published, sink.Count);
    }

    private sealed class CountingSink : IEventSink
    {
        public long Count;

        public string Name => "counting";

        public ValueTask WriteBatchAsync(IReadOnlyList<Envelope> batch, CancellationToken cancellationToken)
        {
            Count += batch.Count;
            return ValueTask.CompletedTask;
        }

        public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
