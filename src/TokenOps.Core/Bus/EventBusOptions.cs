namespace TokenOps.Core.Bus;

/// <summary>Bus sizing. Memory bound: Sinks × (Capacity + MaxBatchSize) envelope references.</summary>
internal sealed record EventBusOptions
{
    /// <summary>Slots per sink ring; a power of two.</summary>
    public int Capacity { get; init; } = 8192;

    /// <summary>Most envelopes handed to one WriteBatchAsync call (one SQLite transaction).</summary>
    public int MaxBatchSize { get; init; } = 256;

    /// <summary>
    /// How long after the first publish that finds a sink's consumer asleep the consumers are woken (see
    /// <see cref="DelayedWakeThread"/>): everything published meanwhile is delivered by the same wake-up. Zero wakes
    /// the consumer from the publishing thread at once (one thread-pool hand-off per event per sink).
    /// </summary>
    public TimeSpan WakeDelay { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>How long shutdown waits for the sinks to drain and flush before cancelling them.</summary>
    public TimeSpan DrainDeadline { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>After the deadline, how long to wait for sinks to honour cancellation before giving up on them.</summary>
    public TimeSpan AbortGrace { get; init; } = TimeSpan.FromSeconds(1);
}
