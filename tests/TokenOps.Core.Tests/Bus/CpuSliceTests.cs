using System.Collections;
using System.Diagnostics;
using TokenOps.Core.Bus;
using TokenOps.Core.Events;

namespace TokenOps.Core.Tests.Bus;

public sealed class CpuSliceTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    /// <summary>Burns the CPU (no sleep: a burst) for <paramref name="span"/>.</summary>
    private static void Spin(TimeSpan span)
    {
        var until = Stopwatch.GetTimestamp() + (long)(span.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until)
        {
            Thread.SpinWait(10);
        }
    }

    [Fact]
    public void Check_YieldsOncePerUsedBudget_AndEachYieldStartsANewSlice()
    {
        var before = CpuSlice.Yields;
        var slice = new CpuSlice(TimeSpan.FromMilliseconds(2), Long, behind: false);

        slice.Check(); // fresh slice: nothing used yet
        Assert.Equal(0, slice.BurstYields);

        Spin(TimeSpan.FromMilliseconds(3));
        slice.Check();
        slice.Check(); // the yield started a new slice: no second yield right after it
        Assert.Equal(1, slice.BurstYields);

        Spin(TimeSpan.FromMilliseconds(3));
        slice.Check();
        Assert.Equal(2, slice.BurstYields);
        Assert.True(CpuSlice.Yields - before >= 2); // process-wide counter (/readyz); other tests may add to it
    }

    [Fact]
    public void Check_Behind_NeverYields()
    {
        var slice = new CpuSlice(TimeSpan.FromTicks(1), Long, behind: false);
        for (var i = 0; i < 50; i++)
        {
            Spin(TimeSpan.FromMicroseconds(20));
            slice.Check(behind: true);
        }

        Assert.Equal(0, slice.BurstYields);
        slice.Check(); // the same burst, caught up
        Assert.Equal(1, slice.BurstYields);
    }

    [Fact]
    public void Check_StopsYieldingOnceTheBurstsYieldsCostMaxYield()
    {
        // Any yield takes at least a tick: a one-tick allowance is spent by the first.
        var slice = new CpuSlice(TimeSpan.FromTicks(1), TimeSpan.FromTicks(1), behind: false);
        for (var i = 0; i < 50; i++)
        {
            Spin(TimeSpan.FromMicroseconds(20));
            slice.Check();
        }

        Assert.Equal(1, slice.BurstYields);
    }

    [Fact]
    public void Check_ZeroBudget_NeverYields()
    {
        var slice = new CpuSlice(TimeSpan.Zero, Long, behind: false);
        Spin(TimeSpan.FromMilliseconds(1));
        slice.Check();
        Assert.Equal(0, slice.BurstYields);
    }

    [Theory]
    [InlineData(true, 0)]
    [InlineData(false, 1)]
    public void Start_OverASinkBatch_ABacklogNeverYields(bool backlog, int expectedYields)
    {
        var slice = CpuSlice.Start(new Batch(backlog));
        Spin(CpuSlice.Budget + TimeSpan.FromMilliseconds(1));
        slice.Check();
        Assert.Equal(expectedYields, slice.BurstYields);
    }

    [Fact]
    public void Start_OverAPlainList_IsNotABacklog()
    {
        var slice = CpuSlice.Start(new List<Envelope>());
        Spin(CpuSlice.Budget + TimeSpan.FromMilliseconds(1));
        slice.Check();
        Assert.Equal(1, slice.BurstYields);
    }

    private sealed class Batch(bool backlog) : ISinkBatch
    {
        public bool IsBacklog => backlog;

        public int Count => 0;

        public Envelope this[int index] => throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<Envelope> GetEnumerator() => Enumerable.Empty<Envelope>().GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
