using TokenOps.Core.Bus;

namespace TokenOps.Core.Tests.Bus;

public sealed class RingBufferTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(100)]
    public void Ctor_NotAPowerOfTwoAtLeastTwo_Throws(int capacity) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RingBuffer<string>(capacity));

    [Fact]
    public void TryPublish_BeyondCapacity_ReturnsFalseUntilDrained()
    {
        var ring = new RingBuffer<string>(4);
        for (var i = 0; i < 4; i++)
        {
            Assert.True(ring.TryPublish("e" + i));
        }

        Assert.False(ring.TryPublish("overflow"));
        Assert.Equal(4, ring.Claimed);

        var batch = new string[4];
        Assert.Equal(2, ring.Drain(batch, 2));
        Assert.Equal(["e0", "e1"], batch[..2]);
        Assert.True(ring.TryPublish("e4"));
        Assert.True(ring.TryPublish("e5"));
        Assert.False(ring.TryPublish("overflow"));
    }

    [Fact]
    public void Drain_ManyWrapArounds_PreservesOrderAndEmpties()
    {
        var ring = new RingBuffer<object>(8);
        var batch = new object[8];
        var next = 0;
        var expected = 0;
        for (var round = 0; round < 100; round++)
        {
            for (var i = 0; i < 5; i++)
            {
                Assert.True(ring.TryPublish(next++));
            }

            var n = ring.Drain(batch, 8);
            Assert.Equal(5, n);
            for (var i = 0; i < n; i++)
            {
                Assert.Equal(expected++, (int)batch[i]);
            }
        }

        Assert.True(ring.IsEmpty);
        Assert.False(ring.HasPublishedNext());
        Assert.Equal(500, ring.Consumed);
    }

    [Fact]
    public void Drain_TakenSlots_AreClearedSoTheRingKeepsNothingAlive()
    {
        var ring = new RingBuffer<object>(2);
        var weak = PublishUnreachable(ring);
        var batch = new object[2];
        Assert.Equal(1, ring.Drain(batch, 2));
        batch[0] = null!;

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(weak.IsAlive);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference PublishUnreachable(RingBuffer<object> ring)
    {
        var item = new object();
        Assert.True(ring.TryPublish(item));
        return new WeakReference(item);
    }

    [Fact]
    public void TryPublish_ConcurrentProducersOnFullRing_AcceptExactlyCapacity()
    {
        var ring = new RingBuffer<string>(64);
        var accepted = 0;
        Parallel.For(0, 1000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            if (ring.TryPublish("x"))
            {
                Interlocked.Increment(ref accepted);
            }
        });

        Assert.Equal(64, accepted);
        Assert.Equal(64, ring.Drain(new string[128], 128));
    }
}
