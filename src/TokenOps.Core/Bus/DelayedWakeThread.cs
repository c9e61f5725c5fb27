namespace TokenOps.Core.Bus;

/// <summary>
/// A dedicated thread that runs <c>work</c> a fixed delay after the first <see cref="Request"/> of a burst, so that
/// everything requested during the delay is handled by one wake-up instead of one thread hand-off (futex syscalls
/// on two threads) per item. While requests keep coming it stays awake and runs <c>work</c> once per delay without
/// being signalled; a delay with nothing new sends it back to sleep. Idle costs nothing: the thread blocks until a
/// request arrives.
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
/// <para>Why stay awake while busy: a signal is paid by the requester, and the requesters are the request path (the
/// socket threads completing exchanges). Signalling the event is a futex call, and the woken thread then waits for
/// the event's lock the signaller still holds: two wake-ups per signal. Profiled at 1k requests/s (bench/README.md,
/// "Profile of 2026-12-04 (late night)"), the socket threads woke the metering thread ~210 times a second that way,
/// with a 10 ms delay. Awake, the thread costs one timer wake-up per delay, its own, and a request is a single read
/// of the flag.</para>
/// </remarks>
public sealed class DelayedWakeThread : IDisposable
{
    private readonly TimeSpan _delay;
    private readonly Func<bool> _hasWork;
    private readonly Action _work;
    private readonly ManualResetEventSlim _signal = new(false, spinCount: 0);
    private readonly Thread _thread;
    private readonly Action<TimeSpan> _sleep;
    private PaddedLong _sleeping;
    private long _signals;
    private volatile bool _disposed;

    public DelayedWakeThread(string name, TimeSpan delay, Func<bool> hasWork, Action work)
        : this(name, delay, hasWork, work, Thread.Sleep)
    {
    }

    /// <summary>Tests: <paramref name="sleep"/> stands in for the delay's <see cref="Thread.Sleep(TimeSpan)"/>.</summary>
    internal DelayedWakeThread(string name, TimeSpan delay, Func<bool> hasWork, Action work, Action<TimeSpan> sleep)
    {
        _delay = delay;
        _hasWork = hasWork;
        _work = work;
        _sleep = sleep;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
    }

    /// <summary>Requests that found the thread asleep and signalled it.</summary>
    internal long Signals => Volatile.Read(ref _signals);

    /// <summary>The thread is asleep (or about to be): the next <see cref="Request"/> signals it.</summary>
    internal bool IsAsleep => Volatile.Read(ref _sleeping.Value) != 0;

    public void Start() => _thread.Start();

    /// <summary>Work was made visible (after a full fence): have it handled within the delay. Allocation-free.</summary>
    public void Request()
    {
        if (Volatile.Read(ref _sleeping.Value) != 0 && Interlocked.Exchange(ref _sleeping.Value, 0) != 0)
        {
            Interlocked.Increment(ref _signals);
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

            // Gather: whatever else is requested during the delay rides on the same wake-up. Then stay awake while
            // requests keep coming (the sleeping flag stays clear, so requesters do not signal).
            _sleep(_delay);
            _work();
            while (!_disposed)
            {
                _sleep(_delay);
                if (!_hasWork())
                {
                    break;
                }

                _work();
            }
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
