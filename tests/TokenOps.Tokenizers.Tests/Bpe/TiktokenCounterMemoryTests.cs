using TokenOps.Tokenizers.Bpe;

namespace TokenOps.Tokenizers.Tests.Bpe;

/// <summary>Runs alone (after every parallel collection), so no other test's allocations land in the heap deltas.</summary>
[CollectionDefinition(nameof(HeapMeasurementCollection), DisableParallelization = true)]
public sealed class HeapMeasurementCollection;

/// <summary>
/// What the daemon's RSS budget is about: Microsoft.ML.Tokenizers' o200k costs ~40 MB of GC heap (measured 40.1 MB
/// retained, 48.8 MB allocated to build it); the compact counter's vocabulary is ~4.2 MB.
/// </summary>
[Collection(nameof(HeapMeasurementCollection))]
public sealed class TiktokenCounterMemoryTests
{
    private const long MiB = 1024 * 1024;

    [Theory]
    [InlineData("o200k_base", 12 * MiB, 6 * MiB)]
    [InlineData("cl100k_base", 6 * MiB, 3 * MiB)]
    public void Load_Vocabulary_RetainsASmallFractionOfMicrosoftsHeap(string name, long maxRetained, long maxArrays)
    {
        var encoding = name == "o200k_base" ? TiktokenEncoding.O200kBase : TiktokenEncoding.Cl100kBase;
        // Once unmeasured, so one-time costs (assembly and resource loading, JIT, the regex singletons) stay out.
        GC.KeepAlive(TiktokenCounter.Load(encoding));

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var counter = TiktokenCounter.Load(encoding);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        var retained = GC.GetTotalMemory(forceFullCollection: true) - before;
        GC.KeepAlive(counter);

        // The arrays' own size is exact; the heap delta is the robust outer bound (GC noise is far below it).
        Assert.InRange(counter.RetainedBytes, 1 * MiB, maxArrays);
        Assert.InRange(retained, counter.RetainedBytes / 2, maxRetained);
        // Building it: the retained arrays plus the blob's growth, never a per-token object (Microsoft: 48.8 MB).
        Assert.InRange(allocated, counter.RetainedBytes, 2 * maxRetained);
    }
}
