using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace TokenOps.Core.Bus;

/// <summary>
/// Keeps a background thread's bursts short while it keeps up. A loop over queued items (metering, the passive
/// optimizer, the sinks' batches) calls <see cref="Check"/> between items; once the burst has run for
/// <see cref="Budget"/> it gives the CPU up (<c>sched_yield</c>), so a thread woken onto this core — a socket thread
/// with a response to send, or the client waiting for it — runs now instead of after the burst. With nothing else
/// waiting for this core the yield returns at once.
/// </summary>
/// <remarks>
/// <para>Why: on a 2-core machine a thread that wakes (the client reading its response, an event loop with a new
/// request) is often placed on the core a background burst is using, and the scheduler lets the running thread go on
/// for up to a slice first (EEVDF's run-to-parity, ~0.75 ms and more). <c>perf sched timehist</c> (bench/README.md,
/// "Profile of 2026-12-04 (night, 23:00)"): at 1k requests/s, bursts of 0.5–2.3 ms by the SQLite writer and the
/// metering thread; at closed-loop c=1, a client woken next to a metering batch waited 0.79 ms while the other core
/// was idle.</para>
/// <para>Only while keeping up. Each <c>sched_yield</c> pushes this thread's deadline back a whole slice, so a thread
/// that yields every 100 µs on a saturated machine gets far less than its share: the first version fell behind at
/// closed-loop c=32 and dropped 6,371 SQLite events and 23k of 162k passive analyses in 25 s. So a loop that is behind
/// does not yield (<c>behind</c>: a work queue more than a quarter full, a sink whose ring was more than an eighth full
/// when it took the batch), and neither does a burst whose yields have already cost it <see cref="MaxYieldPerBurst"/>:
/// the machine is busy, and the backlog matters more than a waiter's next 100 µs.</para>
/// <para>Not inside a lock: call <see cref="Check"/> where holding this thread back blocks nobody.</para>
/// </remarks>
public struct CpuSlice
{
    /// <summary>How long a burst runs before it yields (<c>TOKENOPS_CPU_SLICE_US</c>, microseconds; 0 = never yield).</summary>
    public static readonly TimeSpan Budget = ReadBudget();

    /// <summary>A burst stops yielding once its yields took this long in all (other threads ran meanwhile).</summary>
    public static readonly TimeSpan MaxYieldPerBurst = TimeSpan.FromMilliseconds(1);

    private static long s_yields;

    private readonly long _budget;
    private readonly long _maxYield;
    private long _since;
    private long _yielded;

    internal CpuSlice(TimeSpan budget, TimeSpan maxYield, bool behind)
    {
        _budget = budget <= TimeSpan.Zero ? long.MaxValue : (long)(budget.TotalSeconds * Stopwatch.Frequency);
        _maxYield = behind ? 0 : (long)(maxYield.TotalSeconds * Stopwatch.Frequency);
        _since = Stopwatch.GetTimestamp();
    }

    /// <summary>Yields so far, by every background loop of the process (<c>/readyz</c>: <c>runtime.cpu_slice.yields</c>).</summary>
    public static long Yields => Volatile.Read(ref s_yields);

    /// <summary>How often this burst yielded (tests).</summary>
    internal int BurstYields { get; private set; }

    /// <summary>Starts a burst now.</summary>
    public static CpuSlice Start() => new(Budget, MaxYieldPerBurst, behind: false);

    /// <summary>Starts a burst over a sink's batch: a batch the bus marked as a backlog never yields.</summary>
    public static CpuSlice Start(IReadOnlyList<Events.Envelope> batch) =>
        new(Budget, MaxYieldPerBurst, behind: batch is ISinkBatch { IsBacklog: true });

    /// <summary>Between two items: yields when the burst has used its budget (and is not <paramref name="behind"/>),
    /// then starts the next slice.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Check(bool behind = false)
    {
        if (Stopwatch.GetTimestamp() - _since >= _budget && !behind && _yielded < _maxYield)
        {
            Yield();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Yield()
    {
        Interlocked.Increment(ref s_yields);
        BurstYields++;
        var before = Stopwatch.GetTimestamp();
        Thread.Yield();
        _since = Stopwatch.GetTimestamp();
        _yielded += Math.Max(1, _since - before);
    }

    private static TimeSpan ReadBudget()
    {
        var value = Environment.GetEnvironmentVariable("TOKENOPS_CPU_SLICE_US");
        return value is not null && long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var micros)
            ? TimeSpan.FromMicroseconds(micros)
            : TimeSpan.FromMicroseconds(100);
    }
}

/// <summary>The batch a sink is handed: <see cref="IsBacklog"/> when the sink's ring held more than an eighth of its
/// capacity as the batch was taken, i.e. the sink is falling behind the events published for it.</summary>
public interface ISinkBatch : IReadOnlyList<Events.Envelope>
{
    bool IsBacklog { get; }
}
