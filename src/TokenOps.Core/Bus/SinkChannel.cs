using System.Collections;
using System.Runtime.CompilerServices;
using TokenOps.Core.Events;

namespace TokenOps.Core.Bus;

/// <summary>
/// One sink, its own ring and its own consumer loop. The loop takes whatever is published (up to
/// MaxBatchSize) and hands it to the sink as one batch — it never waits to fill a batch, so under light
/// load a batch is one event and the publish→commit latency is one sink call.
/// </summary>
internal sealed class SinkChannel
{
    private readonly IEventSink _sink;
    private readonly RingBuffer<Envelope> _ring;
    private readonly Envelope[] _batch;
    private readonly BatchView _batchView;
    private readonly AsyncSignal _signal = new();
    private readonly Action<string, Exception>? _onError;
    private readonly CancellationToken _abort;
    private readonly TimeSpan _batchInterval;
    private readonly CancellationTokenSource _stop = new();

    // 1 while the consumer is (about to be) asleep on _signal; whoever swaps it back to 0 owns the one Set.
    private PaddedLong _waiting;
    // With a waker: the consumer takes no batch before this (Environment.TickCount64), the end of its batch interval.
    private long _notBeforeMs;
    private PaddedLong _dropped;
    private volatile bool _stopping;

    // Single writer (the consumer loop); read by Snapshot with Volatile.Read.
    private long _delivered;
    private long _failed;
    private long _batches;
    private long _errors;
    private volatile string? _lastError;

    public SinkChannel(IEventSink sink, int capacity, int maxBatchSize, Action<string, Exception>? onError, CancellationToken abort)
    {
        _sink = sink;
        _ring = new RingBuffer<Envelope>(capacity);
        _batch = new Envelope[maxBatchSize];
        _batchView = new BatchView(_batch);
        _onError = onError;
        _abort = abort;
        _batchInterval = sink.BatchInterval;
    }

    public string Name => _sink.Name;

    /// <summary>When set, a publish that finds the consumer asleep asks this waker instead of waking it at once.</summary>
    public DelayedWakeThread? Waker { get; set; }

    /// <summary>Any thread: the consumer is asleep and an event is published for it (a wake-up is due, or will be once
    /// its batch interval is over).</summary>
    public bool IsWaitingWithWork => Volatile.Read(ref _waiting.Value) != 0 && _ring.HasPublishedNext();

    public Task Loop { get; private set; } = Task.CompletedTask;

    public void Start() => Loop = Task.Run(RunAsync);

    /// <summary>Producer side: never blocks. False = this sink's ring is full (counted).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryPublish(Envelope envelope)
    {
        if (_ring.TryPublish(envelope))
        {
            // The ring's Exchange on the availability flag is the full fence that orders the publish
            // before this read (Dekker with the consumer's Exchange on _waiting).
            if (Volatile.Read(ref _waiting.Value) != 0)
            {
                if (Waker is { } waker)
                {
                    waker.Request();
                }
                else
                {
                    WakeSlow();
                }
            }

            return true;
        }

        Interlocked.Increment(ref _dropped.Value);
        return false;
    }

    public void RequestStop()
    {
        _stopping = true;
        _stop.Cancel(); // cuts a batch-interval pause short
        Wake();
    }

    public void Wake()
    {
        Interlocked.MemoryBarrier(); // order the caller's stop/abort store before the waiting-flag read
        if (Volatile.Read(ref _waiting.Value) != 0)
        {
            WakeSlow();
        }
    }

    /// <summary>The deferred waker's call: wake the consumer if it is asleep with work published for it and its batch
    /// interval is over (until then the waker keeps coming back: <see cref="IsWaitingWithWork"/> stays true).</summary>
    public void WakeIfPending()
    {
        if (IsWaitingWithWork && IsDue)
        {
            WakeSlow();
        }
    }

    /// <summary>The batch interval since the last batch is over (always, without a waker, or when stopping).</summary>
    private bool IsDue => _stopping || Environment.TickCount64 >= Volatile.Read(ref _notBeforeMs);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WakeSlow()
    {
        if (Interlocked.Exchange(ref _waiting.Value, 0) != 0)
        {
            _signal.Set();
        }
    }

    public SinkCounters Snapshot()
    {
        var enqueued = _ring.Claimed;
        var delivered = Volatile.Read(ref _delivered);
        var failed = Volatile.Read(ref _failed);
        return new SinkCounters
        {
            Name = _sink.Name,
            Enqueued = enqueued,
            Dropped = Volatile.Read(ref _dropped.Value),
            Delivered = delivered,
            Failed = failed,
            Pending = Math.Max(0, enqueued - delivered - failed),
            Batches = Volatile.Read(ref _batches),
            Errors = Volatile.Read(ref _errors),
            LastError = _lastError,
        };
    }

    private async Task RunAsync()
    {
        while (!_abort.IsCancellationRequested)
        {
            var count = IsDue ? _ring.Drain(_batch, _batch.Length) : 0;
            if (count > 0)
            {
                // Behind: the ring held more than an eighth of its capacity. The sink then works through its batch
                // without yielding the CPU (CpuSlice), so a backlog is cleared at full speed.
                _batchView.IsBacklog = count + (_ring.Claimed - _ring.Consumed) > _ring.Capacity / 8;
                var started = Environment.TickCount64;
                await DeliverAsync(count).ConfigureAwait(false);
                if (count < _batch.Length)
                {
                    // A full batch means a backlog: deliver the next one at once. Pausing after it would cap the sink
                    // at MaxBatchSize per interval (256 per 50 ms = ~5k events/s for SQLite) and drop the rest once
                    // the ring filled.
                    await PauseAfterBatchAsync(started).ConfigureAwait(false);
                }

                continue;
            }

            if (_stopping)
            {
                if (_ring.IsEmpty)
                {
                    break;
                }

                // A producer claimed a slot before the stop and has not published it yet: let it run.
                await Task.Yield();
                continue;
            }

            // Sleep protocol. Exchange = full fence: the flag store is visible before we re-check the ring,
            // so either we see the producer's publish or the producer sees our flag (never neither).
            _signal.Reset();
            Interlocked.Exchange(ref _waiting.Value, 1);
            var pending = _ring.HasPublishedNext();
            if ((pending && IsDue) || _stopping || _abort.IsCancellationRequested)
            {
                if (Interlocked.Exchange(ref _waiting.Value, 0) != 0)
                {
                    continue; // we withdrew our own wait
                }

                // A waker already took the flag and is calling Set: consume that signal before resetting.
            }
            else if (pending)
            {
                // Published during the batch interval, by producers that saw us awake: nobody asked the waker for us.
                Waker!.Request();
            }

            await _signal.WaitAsync().ConfigureAwait(false);
        }

        try
        {
            await _sink.FlushAsync(_abort).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            RecordError(ex);
        }
    }

    /// <summary>
    /// The sink's <see cref="IEventSink.BatchInterval"/>: what is published meanwhile waits in the ring and forms the next
    /// batch. With a waker the consumer just sleeps, and the waker (awake anyway while events are published) wakes it once
    /// the interval is over: a <c>Task.Delay</c> per batch was a timer-thread wake-up and two pool-thread wake-ups.
    /// </summary>
    private async ValueTask PauseAfterBatchAsync(long startedMs)
    {
        if (_batchInterval <= TimeSpan.Zero || _stopping || _abort.IsCancellationRequested)
        {
            return;
        }

        var remaining = _batchInterval.TotalMilliseconds - (Environment.TickCount64 - startedMs);
        if (remaining < 1)
        {
            return;
        }

        if (Waker is not null)
        {
            Volatile.Write(ref _notBeforeMs, startedMs + (long)_batchInterval.TotalMilliseconds);
            return;
        }

        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(remaining), _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping: drain what is left without waiting.
        }
    }

    private async ValueTask DeliverAsync(int count)
    {
        _batchView.Count = count;
        try
        {
            await _sink.WriteBatchAsync(_batchView, _abort).ConfigureAwait(false);
            Volatile.Write(ref _delivered, _delivered + count);
            Volatile.Write(ref _batches, _batches + 1);
        }
        catch (Exception ex)
        {
            Volatile.Write(ref _failed, _failed + count);
            RecordError(ex);
        }
        finally
        {
            Array.Clear(_batch, 0, count);
            _batchView.Count = 0;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RecordError(Exception ex)
    {
        Volatile.Write(ref _errors, _errors + 1);
        _lastError = ex.Message;
        if (_onError is null)
        {
            return;
        }

        try
        {
            _onError(_sink.Name, ex);
        }
        catch (Exception)
        {
            // The error callback must not take the consumer loop down with it.
        }
    }

    /// <summary>The consumer's reusable batch buffer, exposed read-only. Valid only during WriteBatchAsync.</summary>
    private sealed class BatchView(Envelope[] items) : ISinkBatch
    {
        public int Count { get; set; }

        public bool IsBacklog { get; set; }

        public Envelope this[int index] =>
            (uint)index < (uint)Count ? items[index] : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<Envelope> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return items[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
