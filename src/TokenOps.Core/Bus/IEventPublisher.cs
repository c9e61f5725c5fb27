using TokenOps.Core.Events;

namespace TokenOps.Core.Bus;

/// <summary>
/// What producers (the proxy, replay, demo, background pipelines) see of the bus. Never blocks:
/// a full bus drops the event, counts it, and returns false.
/// </summary>
public interface IEventPublisher
{
    bool TryPublish(Envelope envelope);
}

/// <summary>A consumer of envelopes. Each sink gets its own consumer loop, fed in batches.</summary>
public interface IEventSink
{
    string Name { get; }

    /// <summary>Handle one batch (one SQLite transaction, one OTLP request...). Exceptions are counted and logged by the bus, never fatal.</summary>
    ValueTask WriteBatchAsync(IReadOnlyList<Envelope> batch, CancellationToken cancellationToken);

    /// <summary>Called once at shutdown after the last batch.</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Least time between the starts of two batches. Zero (the default): a batch is whatever was published since the
    /// last one, delivered at once. A sink whose cost is per batch (one SQLite transaction) asks for more: after a batch
    /// its consumer waits this long, so under load everything published meanwhile is one batch; a lone event after a
    /// quiet spell is still delivered at once. Shutdown does not wait for it.
    /// </summary>
    TimeSpan BatchInterval => TimeSpan.Zero;
}
