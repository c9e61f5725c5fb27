namespace TokenOps.Insights.Tests;

public sealed class HeapTrimTests
{
    [Fact]
    public void AfterAllocating_AtTheThreshold_RunsAFullCollection()
    {
        var gen2 = GC.CollectionCount(2);
        var trims = HeapTrim.Trims;

        Assert.True(HeapTrim.AfterAllocating(allocatedBytes: 1 << 20, threshold: 1 << 20));

        Assert.True(GC.CollectionCount(2) > gen2);
        Assert.True(HeapTrim.Trims > trims);
    }

    [Fact]
    public void AfterAllocating_BelowTheThreshold_DoesNothing()
    {
        var trims = HeapTrim.Trims;

        Assert.False(HeapTrim.AfterAllocating(allocatedBytes: HeapTrim.Threshold - 1));

        Assert.Equal(trims, HeapTrim.Trims);
    }
}
