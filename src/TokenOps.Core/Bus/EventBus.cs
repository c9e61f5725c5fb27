using TokenOps.Core.Events;

namespace TokenOps.Core.Bus;

/// <summary>
/// The in-process event bus: producers call <see cref="TryPublish"/> (lock-free, allocation-free, never
/// blocks), every sink gets the envelopes in order, in batches, on its own consumer loop.
/// </summary>
/// <remarks>
/// <para>Design: one MPSC <see cref="RingBuffer{T}"/> per sink rather than one shared ring with per-sink
/// gating sequences. A publish costs one claim per sink (the daemon has one or two sinks), and buys:
/// (1) isolation — a stalled OTLP collector fills only its own ring, the SQLite store keeps every event;
/// (2) a single consumer per ring, so the consumer can null a slot as it takes it and the ring never keeps
/// delivered events (and their captured bodies) alive; with a shared ring the last of N consumers would
/// have to clear slots while racing producers reusing them.</para>
/// <para>Shutdown (<see cref="StopAsync(TimeSpan)"/>): stop accepting, let each loop drain its ring, call
/// FlushAsync, exit. If the deadline passes first, the sinks' cancellation token fires and whatever is
/// still in the rings is reported as Pending.</para>
/// <para>Sink exceptions are counted per sink, reported through the error callback (Core has no logger),
/// and never stop the loop.</para>
/// </remarks>
internal sealed class EventBus : IEventPublisher, IAsyncDisposable
{
    private readonly SinkChannel[] _channels;
    private readonly EventBusOptions _options;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _abort = new();
    private readonly Lock _lifecycle = new();
    private readonly DelayedWakeThread? _waker;
    private PaddedLong _published;
    private PaddedLong _dropped;
    private volatile bool _accepting = true;
    private bool _started;
    private Task<bool>? _stopTask;

    public EventBus(IReadOnlyList<IEventSink> sinks, EventBusOptions? options = null, Action<string, Exception>? onSinkError = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        _options = options ?? new EventBusOptions();
        if (_options.MaxBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.MaxBatchSize, "MaxBatchSize must be >= 1.");
        }

        _time = timeProvider ?? TimeProvider.System;
        _channels = new SinkChannel[sinks.Count];
        for (var i = 0; i < _channels.Length; i++)
        {
            _channels[i] = new SinkChannel(sinks[i], _options.Capacity, _options.MaxBatchSize, onSinkError, _abort.Token);
        }

        if (_options.WakeDelay > TimeSpan.Zero && _channels.Length > 0)
        {
            _waker = new DelayedWakeThread("TokenOps bus waker", _options.WakeDelay, AnyConsumerDueAWake, WakeDueConsumers);
            foreach (var channel in _channels)
            {
                channel.Waker = _waker;
            }
        }
    }

    private bool AnyConsumerDueAWake()
    {
        foreach (var channel in _channels)
        {
            if (channel.IsWaitingWithWork)
            {
                return true;
            }
        }

        return false;
    }

    private void WakeDueConsumers()
    {
        foreach (var channel in _channels)
        {
            channel.WakeIfPending();
        }
    }

    /// <summary>Starts one consumer loop per sink. Events published before Start wait in the rings.</summary>
    public void Start()
    {
        lock (_lifecycle)
        {
            if (_started || _stopTask is not null)
            {
                return;
            }

            _started = true;
            _waker?.Start();
            foreach (var channel in _channels)
            {
                channel.Start();
            }
        }
    }

    /// <summary>
    /// Hands <paramref name="envelope"/> to every sink's ring. Returns false — and counts a drop — when any
    /// sink's ring is full or the bus is shutting down. Never blocks, never allocates.
    /// </summary>
    public bool TryPublish(Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (!_accepting)
        {
            Interlocked.Increment(ref _dropped.Value);
            return false;
        }

        var accepted = true;
        var channels = _channels;
        for (var i = 0; i < channels.Length; i++)
        {
            accepted &= channels[i].TryPublish(envelope);
        }

        Interlocked.Increment(ref accepted ? ref _published.Value : ref _dropped.Value);
        return accepted;
    }

    public BusCounters GetCounters()
    {
        var sinks = new SinkCounters[_channels.Length];
        for (var i = 0; i < sinks.Length; i++)
        {
            sinks[i] = _channels[i].Snapshot();
        }

        return new BusCounters
        {
            Published = Volatile.Read(ref _published.Value),
            Dropped = Volatile.Read(ref _dropped.Value),
            Capacity = _options.Capacity,
            Sinks = sinks,
        };
    }

    /// <summary>Graceful shutdown with the configured <see cref="EventBusOptions.DrainDeadline"/>.</summary>
    public Task<bool> StopAsync() => StopAsync(_options.DrainDeadline);

    /// <summary>
    /// Stop accepting, drain every ring into its sink, flush, exit. True when everything accepted was handed
    /// to the sinks and flushed before <paramref name="deadline"/>; false when the deadline cut it short.
    /// Idempotent: later calls return the first call's task.
    /// </summary>
    public Task<bool> StopAsync(TimeSpan deadline)
    {
        lock (_lifecycle)
        {
            return _stopTask ??= StopAndRetireWakerAsync(deadline);
        }
    }

    private async Task<bool> StopAndRetireWakerAsync(TimeSpan deadline)
    {
        try
        {
            return await StopCoreAsync(deadline).ConfigureAwait(false);
        }
        finally
        {
            _waker?.Dispose(); // consumers are gone or abandoned: the waker thread has nothing left to wake
        }
    }

    private async Task<bool> StopCoreAsync(TimeSpan deadline)
    {
        _accepting = false;
        if (!_started)
        {
            _started = true;
            foreach (var channel in _channels)
            {
                channel.Start(); // drain what was published before Start
            }
        }

        var loops = new Task[_channels.Length];
        for (var i = 0; i < _channels.Length; i++)
        {
            _channels[i].RequestStop();
            loops[i] = _channels[i].Loop;
        }

        var all = Task.WhenAll(loops);
        using var delayCancel = new CancellationTokenSource();
        var delay = Task.Delay(deadline, _time, delayCancel.Token);
        if (await Task.WhenAny(all, delay).ConfigureAwait(false) == all)
        {
            await delayCancel.CancelAsync().ConfigureAwait(false);
            return true;
        }

        // Deadline passed: cancel the sinks' token, wake sleeping loops, give them a short grace to unwind.
        await _abort.CancelAsync().ConfigureAwait(false);
        foreach (var channel in _channels)
        {
            channel.Wake();
        }

        await Task.WhenAny(all, Task.Delay(_options.AbortGrace, _time, CancellationToken.None)).ConfigureAwait(false);
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _abort.Dispose();
    }
}
