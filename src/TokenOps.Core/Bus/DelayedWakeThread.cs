namespace TokenOps.Core.Bus;

/// <summary>
/// A dedicated thread that runs <c>work</c> a fixed delay after the first <see cref="Request"/> of a burst, so that
/// everything requested during the delay is handled by one wake-up instead of one thread hand-off (futex syscalls
/// on two threads) per item. Idle costs nothing: the thread blocks until a request arrives.
/// </summary>
/// <remarks>
/// <para>The bus wakes sleeping sink consumers through one (<see cref="EventBusOptions.WakeDelay"/>), and each
/// <see cref="DelayedWorkQueue{T}"/> runs on one (TokenOps.Proxy's metering <c>CompletionPump</c> and its
/// <c>PassiveOptimizer</c>). Profiled at 1k requests/s
/// on a 2-core VM where syscalls are expensive, a hand-off per event per sink plus one per exchange were ~20 futex
/// and sched_yield calls per proxied request — the largest cost of metering.</para>
/// <para>Protocol (no lost wake-up): the caller makes its work visible with a full fence (an Interlocked operation)
/// and then calls <see cref="Request"/>, which reads the sleeping flag. The thread sets the sleeping flag (a full
/// fence) and then asks <c>hasWork</c>. Either the thread sees the work, or the caller sees the thread asleep and
/// signals it.</para>
/// </remarks>
public sealed class DelayedWakeThread : IDisposable
{
    private readonly TimeSpan _delay;
    private readonly Func<bool> _hasWork;
    private readonly Action _work;
    private readonly ManualResetEventSlim _signal = new(false, spinCount: 0);
    private readonly Thread _thread;
    private PaddedLong _sleeping;
    private volatile bool _disposed;

    public DelayedWakeThread(string name, TimeSpan delay, Func<bool> hasWork, Action work)
    {
        _delay = delay;
        _hasWork = hasWork;
        _work = work;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
    }

    public void Start() => _thread.Start();

    /// <summary>Work was made visible (after a full fence): have it handled within the delay. Allocation-free.</summary>
    public void Request()
    {
        if (Volatile.Read(ref _sleeping.Value) != 0 && Interlocked.Exchange(ref _sleeping.Value, 0) != 0)
        {
            _signal.Set();
        }
    }

    private void Run()
    {
        while (!_disposed)
        {
            _signal.Reset();
            Interlocked.Exchange(ref _sleeping.Value, 1);
            if (!_hasWork())
            {
                _signal.Wait();
            }

            Interlocked.Exchange(ref _sleeping.Value, 0);
            if (_disposed)
            {
                break;
            }

            // Gather: whatever else is requested during the delay rides on the same wake-up.
            Thread.Sleep(_delay);
            _work();
        }

        _work(); // what was requested before Dispose is not left behind
    }

    /// <summary>Waits for the thread to end after <see cref="Dispose"/>; false when it did not within the timeout.</summary>
    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    /// <summary>Lets the thread finish (it runs the work one last time); does not wait for it.</summary>
    public void Dispose()
    {
        _disposed = true;
        _signal.Set();
    }
}
