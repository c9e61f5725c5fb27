using System.Collections.Concurrent;
using TokenOps.Core.Bus;

namespace TokenOps.Core.Tests.Bus;

public sealed class DelayedWakeThreadTests
{
    private static readonly TimeSpan Failsafe = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Stands in for the delay: each call reports that the thread is sleeping out a delay and blocks until the test
    /// lets that delay end, so the test decides what is requested during which delay.
    /// </summary>
    private sealed class SteppedDelay
    {
        private readonly SemaphoreSlim _started = new(0);
        private readonly SemaphoreSlim _ended = new(0);

        public void Sleep(TimeSpan delay)
        {
            _started.Release();
            Assert.True(_ended.Wait(Failsafe));
        }

        public void AwaitDelayStarted() => Assert.True(_started.Wait(Failsafe));

        public void EndDelay() => _ended.Release();
    }

    [Fact]
    public void Request_WhileBusy_NoSignal_ADelayWithNothingNewSendsTheThreadBackToSleep()
    {
        var queue = new ConcurrentQueue<int>();
        var handled = new ConcurrentQueue<int>();
        var delay = new SteppedDelay();
        var thread = new DelayedWakeThread("test", TimeSpan.FromMilliseconds(10), () => !queue.IsEmpty, () =>
        {
            while (queue.TryDequeue(out var item))
            {
                handled.Enqueue(item);
            }
        }, delay.Sleep);
        thread.Start();

        // Asleep: the first request signals it.
        Assert.True(SpinWait.SpinUntil(() => thread.IsAsleep, Failsafe));
        Enqueue(queue, thread, 1);
        delay.AwaitDelayStarted();
        Assert.Equal(1, thread.Signals);

        // Busy: requests during each delay ride on it, unsignalled.
        Enqueue(queue, thread, 2);
        delay.EndDelay(); // handles 1, 2
        for (var i = 3; i <= 6; i++)
        {
            delay.AwaitDelayStarted();
            Enqueue(queue, thread, i);
            delay.EndDelay(); // handles i
        }

        delay.AwaitDelayStarted();
        delay.EndDelay(); // a delay with nothing new: back to sleep
        Assert.Equal(1, thread.Signals);
        Assert.Equal([1, 2, 3, 4, 5, 6], handled);

        // Asleep again: the next request signals it.
        Assert.True(SpinWait.SpinUntil(() => thread.IsAsleep, Failsafe));
        Enqueue(queue, thread, 7);
        Assert.Equal(2, thread.Signals);
        delay.AwaitDelayStarted();
        delay.EndDelay(); // handles 7
        delay.AwaitDelayStarted();
        thread.Dispose();
        delay.EndDelay();
        Assert.True(thread.Join(Failsafe));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], handled);
    }

    private static void Enqueue(ConcurrentQueue<int> queue, DelayedWakeThread thread, int item)
    {
        queue.Enqueue(item);
        Interlocked.MemoryBarrier();
        thread.Request();
    }
}
