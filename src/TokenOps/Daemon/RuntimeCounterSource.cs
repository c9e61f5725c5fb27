namespace TokenOps.Daemon;

/// <summary>
/// The process's own cost under <c>runtime.*</c>: garbage collections per generation, the total time the GC paused the
/// process, heap size, what the last gen0/gen1 collection promoted and how long it paused, bytes allocated, CPU time and thread-pool threads. The load test reads these before and after a
/// run to say how much of the added latency is GC.
/// </summary>
internal sealed class RuntimeCounterSource : IDaemonCounterSource
{
    public void WriteCounters(IDictionary<string, long> counters)
    {
        counters["runtime.gc.gen0"] = GC.CollectionCount(0);
        counters["runtime.gc.gen1"] = GC.CollectionCount(1);
        counters["runtime.gc.gen2"] = GC.CollectionCount(2);
        counters["runtime.gc.pause_us"] = (long)GC.GetTotalPauseDuration().TotalMicroseconds;
        counters["runtime.gc.heap_bytes"] = GC.GetGCMemoryInfo().HeapSizeBytes;

        // The last gen0/gen1 collection: what survived it is what such a pause costs (the GC copies survivors).
        var ephemeral = GC.GetGCMemoryInfo(GCKind.Ephemeral);
        counters["runtime.gc.last_ephemeral.promoted_bytes"] = ephemeral.PromotedBytes;
        counters["runtime.gc.last_ephemeral.pause_us"] = ephemeral.PauseDurations.Length > 0 ? (long)ephemeral.PauseDurations[0].TotalMicroseconds : 0;
        counters["runtime.allocated_bytes"] = GC.GetTotalAllocatedBytes();
        counters["runtime.cpu_us"] = (long)Environment.CpuUsage.TotalTime.TotalMicroseconds;
        counters["runtime.threadpool.threads"] = ThreadPool.ThreadCount;
    }
}
