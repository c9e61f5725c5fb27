using System.Collections.Concurrent;
using TokenOps.Core.Bus;

namespace TokenOps.Core.Tests.Bus;

public sealed class DelayedWorkQueueTests
{
    private static readonly TimeSpan Failsafe = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TryEnqueue_ItemsOfABurst_HandledInOrderByOneWakeUp()
    {
        var handled = new ConcurrentQueue<(string Item, int Thread)>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var queue = new DelayedWorkQueue<string>("test queue", TimeSpan.FromMilliseconds(200), 16, item =>
        {
            handled.Enqueue((item, Environment.CurrentManagedThreadId));
            if (handled.Count == 5)
            {
                done.SetResult();
            }
        });

        for (var i = 0; i < 5; i++)
        {
            Assert.True(queue.TryEnqueue("item" + i)); // well inside the 200 ms gather
        }

        await done.Task.WaitAsync(Failsafe);
        Assert.Equal(["item0", "item1", "item2", "item3", "item4"], handled.Select(h => h.Item));
        Assert.Single(handled.Select(h => h.Thread).Distinct());
        Assert.NotEqual(Environment.CurrentManagedThreadId, handled.First().Thread);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void TryEnqueue_AtCapacity_RefusedUntilDrained()
    {
        var handled = new List<string>();
        using var queue = new DelayedWorkQueue<string>("test queue", TimeSpan.FromMinutes(10), 2, handled.Add);

        Assert.True(queue.TryEnqueue("a"));
        Assert.True(queue.TryEnqueue("b"));
        Assert.False(queue.TryEnqueue("c"));
        Assert.Equal(2, queue.Count);

        Assert.Equal(2, queue.Drain()); // the caller's thread, not the (10-minute) delay
        Assert.Equal(["a", "b"], handled);
        Assert.True(queue.TryEnqueue("d"));
    }

    [Fact]
    public void Dispose_HandlesWhatIsQueuedThenRefuses()
    {
        var handled = new ConcurrentQueue<string>();
        // A short gather: Dispose waits for the thread, which may already be sleeping out its delay.
        var queue = new DelayedWorkQueue<string>("test queue", TimeSpan.FromMilliseconds(50), 8, handled.Enqueue);
        Assert.True(queue.TryEnqueue("a"));
        Assert.True(queue.TryEnqueue("b"));

        queue.Dispose(Failsafe);

        Assert.Equal(["a", "b"], handled);
        Assert.False(queue.TryEnqueue("c"));
    }
}
