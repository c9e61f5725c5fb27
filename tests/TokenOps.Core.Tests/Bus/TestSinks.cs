using TokenOps.Core.Bus;
using TokenOps.Core.Events;

namespace TokenOps.Core.Tests.Bus;

/// <summary>Records every envelope it is given, in order; optionally slow, gated, or throwing.</summary>
internal sealed class RecordingSink(string name = "recording") : IEventSink
{
    private readonly Lock _lock = new();
    private readonly List<Envelope> _received = [];
    private readonly List<int> _batchSizes = [];
    private readonly List<bool> _backlogs = [];
    private TaskCompletionSource _firstBatchEntered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _target = long.MaxValue;
    private TaskCompletionSource _reachedTarget = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name => name;

    /// <summary>While not null, every batch waits for this task (a gate the test opens).</summary>
    public Task? Gate { get; set; }

    /// <summary>The sink's <see cref="IEventSink.BatchInterval"/>.</summary>
    public TimeSpan BatchInterval { get; set; }

    /// <summary>Artificial latency per batch.</summary>
    public TimeSpan DelayPerBatch { get; set; }

    /// <summary>Throw on the N-th batch call (1-based), 0 = never.</summary>
    public int ThrowOnBatch { get; set; }

    public bool ThrowOnFlush { get; set; }

    public int BatchCalls { get; private set; }

    public int FlushCalls { get; private set; }

    public bool FlushTokenWasCancelled { get; private set; }

    public int WritesAfterFlush { get; private set; }

    public Task FirstBatchEntered => _firstBatchEntered.Task;

    public IReadOnlyList<Envelope> Received
    {
        get
        {
            lock (_lock)
            {
                return [.. _received];
            }
        }
    }

    public IReadOnlyList<int> BatchSizes
    {
        get
        {
            lock (_lock)
            {
                return [.. _batchSizes];
            }
        }
    }

    /// <summary>Per batch: whether the bus marked it as a backlog (<see cref="ISinkBatch.IsBacklog"/>).</summary>
    public IReadOnlyList<bool> Backlogs
    {
        get
        {
            lock (_lock)
            {
                return [.. _backlogs];
            }
        }
    }

    public Task WaitForCountAsync(long count)
    {
        lock (_lock)
        {
            _target = count;
            _reachedTarget = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_received.Count >= count)
            {
                _reachedTarget.SetResult();
            }

            return _reachedTarget.Task;
        }
    }

    public async ValueTask WriteBatchAsync(IReadOnlyList<Envelope> batch, CancellationToken cancellationToken)
    {
        BatchCalls++;
        if (FlushCalls > 0)
        {
            WritesAfterFlush++;
        }

        _firstBatchEntered.TrySetResult();
        if (Gate is { } gate)
        {
            await gate.WaitAsync(cancellationToken);
        }

        if (DelayPerBatch > TimeSpan.Zero)
        {
            await Task.Delay(DelayPerBatch, cancellationToken);
        }

        if (BatchCalls == ThrowOnBatch)
        {
            throw new InvalidOperationException($"sink failure on batch {BatchCalls}");
        }

        lock (_lock)
        {
            _batchSizes.Add(batch.Count);
            _backlogs.Add(batch is ISinkBatch { IsBacklog: true });
            for (var i = 0; i < batch.Count; i++)
            {
                _received.Add(batch[i]);
            }

            if (_received.Count >= _target)
            {
                _reachedTarget.TrySetResult();
            }
        }
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        FlushCalls++;
        FlushTokenWasCancelled = cancellationToken.IsCancellationRequested;
        if (ThrowOnFlush)
        {
            throw new IOException("flush failed");
        }

        return ValueTask.CompletedTask;
    }
}
