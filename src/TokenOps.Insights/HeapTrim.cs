namespace TokenOps.Insights;

/// <summary>
/// Gives memory back after a report that allocated a lot. A waste or workflow report over a month of a busy store holds
/// every analysed step in memory while it runs (1M events: ~530 MB), and in a long-lived process (the daemon serving the
/// dashboard, <c>tokenops serve</c>) nothing collects that garbage soon: the daemon stayed at 570 MB after one such view.
/// When the work allocated more than <see cref="Threshold"/>, one blocking, compacting collection that also decommits
/// (<see cref="GCCollectionMode.Aggressive"/>) returns the process to its working size. Its pause (tens of milliseconds)
/// comes only after a report that itself took seconds. Callers count what the work allocated: the dashboard on its own
/// thread (<see cref="GC.GetAllocatedBytesForCurrentThread"/>, so proxied traffic never counts), the MCP server in the
/// whole process (it proxies nothing).
/// </summary>
public static class HeapTrim
{
    /// <summary>Bytes allocated by one piece of work that trigger a trim.</summary>
    public const long Threshold = 64L << 20;

    private static long _trims;

    /// <summary>Trims done by this process.</summary>
    public static long Trims => Interlocked.Read(ref _trims);

    /// <summary>Collects and decommits when <paramref name="allocatedBytes"/> (what the work allocated) reached <see cref="Threshold"/>.</summary>
    public static bool AfterAllocating(long allocatedBytes) => AfterAllocating(allocatedBytes, Threshold);

    internal static bool AfterAllocating(long allocatedBytes, long threshold)
    {
        if (allocatedBytes < threshold)
        {
            return false;
        }

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Interlocked.Increment(ref _trims);
        return true;
    }
}
