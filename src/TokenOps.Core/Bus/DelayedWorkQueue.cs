using System.Collections.Concurrent;

namespace TokenOps.Core.Bus;

/// <summary>
/// A bounded queue whose items are handled on one <see cref="DelayedWakeThread"/>: the thread wakes a fixed delay
/// after the first item of a burst and handles everything queued meanwhile, so a stream of items costs one wake-up
/// per delay instead of a thread hand-off per item. Allocation-free per item.
/// </summary>
/// <remarks>
/// <see cref="TryEnqueue"/> refuses an item when the queue holds <c>capacity</c> items or is disposed; the caller
/// decides what that means (the proxy's metering hands the exchange to the thread pool, the passive optimizer drops
/// the analysis and counts it). The handler must not throw.
/// </remarks>
public sealed class DelayedWorkQueue<T> : IDisposable
    where T : class
{
    private readonly ConcurrentQueue<T> _queue = new();
    private readonly Action<T> _handle;
    private readonly int _capacity;
    private readonly DelayedWakeThread _thread;
    private int _count;
    private volatile bool _disposed;

    public DelayedWorkQueue(string threadName, TimeSpan delay, int capacity, Action<T> handle)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _handle = handle;
        _capacity = capacity;
        _thread = new DelayedWakeThread(threadName, delay, () => !_queue.IsEmpty, () => Drain());
        _thread.Start();
    }

    /// <summary>Items queued and not yet handled.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Queues <paramref name="item"/> to be handled within the delay; false when full or disposed.</summary>
    public bool TryEnqueue(T item)
    {
        if (_disposed)
        {
            return false;
        }

        if (Interlocked.Increment(ref _count) > _capacity)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }

        _queue.Enqueue(item);
        Interlocked.MemoryBarrier(); // the enqueue is visible before Request reads the thread's sleeping flag
        _thread.Request();
        return true;
    }

    /// <summary>Handles everything queued on the calling thread. Returns how many items it handled.</summary>
    public int Drain()
    {
        var handled = 0;
        var slice = CpuSlice.Start();
        while (_queue.TryDequeue(out var item))
        {
            Interlocked.Decrement(ref _count);
            _handle(item);
            handled++;
            slice.Check(behind: Volatile.Read(ref _count) > _capacity / 4); // see CpuSlice: yields only while keeping up
        }

        return handled;
    }

    /// <summary>
    /// Stops accepting, lets the thread handle what is queued (waiting up to <paramref name="timeout"/>), then handles
    /// anything that raced the stop on the calling thread.
    /// </summary>
    public void Dispose(TimeSpan timeout)
    {
        _disposed = true;
        _thread.Dispose();
        if (_thread.Join(timeout))
        {
            Drain();
        }
    }

    public void Dispose() => Dispose(TimeSpan.FromSeconds(2));
}
