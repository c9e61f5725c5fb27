using TokenOps.Core.Bus;
using TokenOps.Core.Events;
using TokenOps.Storage.Queries;

namespace TokenOps.Storage.Tests;

/// <summary>The daemon's wiring end to end: producers → EventBus → SqliteEventSink → file → EventQueries.</summary>
public sealed class BusToStoreTests
{
    [Fact]
    public async Task StopAsync_ConcurrentProducers_EveryAcceptedEventIsInTheStore()
    {
        const int producers = 4;
        const int perProducer = 1500;
        using var temp = new TestStore();
        using var store = SqliteEventStore.Open(temp.Options(retentionDays: 0));
        var sink = store.CreateSink();
        var bus = new EventBus([sink], new EventBusOptions { Capacity = 8192, MaxBatchSize = 256 });
        bus.Start();
        var start = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);

        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(() =>
        {
            for (var i = 0; i < perProducer; i++)
            {
                Assert.True(bus.TryPublish(TestStore.Prompt(start.AddMilliseconds((p * perProducer) + i), workflow: "wf-" + p)));
            }
        })));

        Assert.True(await bus.StopAsync(TimeSpan.FromSeconds(30)));
        await bus.DisposeAsync();
        Assert.Equal(0, new FileInfo(temp.DbPath + "-wal").Length); // FlushAsync checkpointed at shutdown
        sink.Dispose();

        var counters = bus.GetCounters();
        Assert.Equal(producers * perProducer, counters.Published);
        Assert.Equal(producers * perProducer, counters.Sinks[0].Delivered);
        Assert.Equal(0, counters.Sinks[0].Errors);
        Assert.True(counters.Sinks[0].Batches <= producers * perProducer);
        Assert.Equal(producers * perProducer, sink.Inserted);

        using var queries = EventQueries.OpenReadOnly(temp.DbPath);
        Assert.Equal(producers * perProducer, queries.Stats().TotalEvents);
        Assert.Equal(5, queries.Recent(new EventFilter { Workflow = "wf-2", Limit = 5 }).Count);
    }

    [Fact]
    public async Task WriteBatch_SinkThrows_ErrorCountedAndReportedShutdownStillCompletes()
    {
        using var temp = new TestStore();
        using var store = SqliteEventStore.Open(temp.Options(retentionDays: 0));
        var sink = store.CreateSink();
        var errors = new List<string>();
        var bus = new EventBus([sink], onSinkError: (name, ex) => { lock (errors) { errors.Add(name + ": " + ex.GetType().Name); } });
        bus.Start();
        sink.Dispose(); // the store went away: every batch now throws

        Assert.True(bus.TryPublish(TestStore.Prompt(DateTimeOffset.UnixEpoch)));
        Assert.True(await bus.StopAsync(TimeSpan.FromSeconds(30)));

        var counters = bus.GetCounters().Sinks[0];
        Assert.Equal(1, counters.Failed);
        Assert.Equal(1, counters.Errors);
        Assert.Equal(["sqlite: ObjectDisposedException"], errors);
        await bus.DisposeAsync();
    }
}
