namespace TokenOps.Daemon;

/// <summary>
/// The process's own cost under <c>runtime.*</c>: garbage collections per generation, the total time the GC paused the
/// process, heap size (committed, fragmented, per generation), what the last gen0/gen1 collection promoted and how long
/// it paused, bytes allocated, CPU time, thread-pool threads, the malloc arena cap (<see cref="MallocArenas"/>), how
/// often background bursts gave the CPU up (<see cref="Core.Bus.CpuSlice"/>) and how often a heavy dashboard report was
/// followed by a collection that gave its memory back (<see cref="Insights.HeapTrim"/>). The load test reads these
/// before and after a run to say how much of the added latency is GC.
/// </summary>
internal sealed class RuntimeCounterSource : IDaemonCounterSource
{
    private static readonly string[] GenerationNames =
    [
        "runtime.gc.gen0_bytes", "runtime.gc.gen1_bytes", "runtime.gc.gen2_bytes", "runtime.gc.loh_bytes", "runtime.gc.poh_bytes",
    ];

    public void WriteCounters(IDictionary<string, long> counters)
    {
        counters["runtime.gc.gen0"] = GC.CollectionCount(0);
        counters["runtime.gc.gen1"] = GC.CollectionCount(1);
        counters["runtime.gc.gen2"] = GC.CollectionCount(2);
        counters["runtime.gc.pause_us"] = (long)GC.GetTotalPauseDuration().TotalMicroseconds;
        counters["runtime.gc.heap_trims"] = Insights.HeapTrim.Trims;
        var any = GC.GetGCMemoryInfo();
        counters["runtime.gc.heap_bytes"] = any.HeapSizeBytes;
        counters["runtime.gc.committed_bytes"] = any.TotalCommittedBytes;
        counters["runtime.gc.fragmented_bytes"] = any.FragmentedBytes;
        // Where the heap is, as of the last collection: what a reader of RSS needs to tell live data from garbage.
        var generations = any.GenerationInfo;
        for (var i = 0; i < generations.Length && i < GenerationNames.Length; i++)
        {
            counters[GenerationNames[i]] = generations[i].SizeAfterBytes;
        }

        // The last gen0/gen1 collection: what survived it is what such a pause costs (the GC copies survivors).
        var ephemeral = GC.GetGCMemoryInfo(GCKind.Ephemeral);
        counters["runtime.gc.last_ephemeral.promoted_bytes"] = ephemeral.PromotedBytes;
        counters["runtime.gc.last_ephemeral.pause_us"] = ephemeral.PauseDurations.Length > 0 ? (long)ephemeral.PauseDurations[0].TotalMicroseconds : 0;
        counters["runtime.allocated_bytes"] = GC.GetTotalAllocatedBytes();
        counters["runtime.cpu_us"] = (long)Environment.CpuUsage.TotalTime.TotalMicroseconds;
        counters["runtime.threadpool.threads"] = ThreadPool.ThreadCount;
        counters["runtime.malloc.arena_limit"] = MallocArenas.Limit; // 0: glibc's default (8 per core)
        counters["runtime.cpu_slice.yields"] = Core.Bus.CpuSlice.Yields;
    }
}
