using TokenOps.Core.Events;
using TokenOps.Insights.Coaching;
using TokenOps.Insights.Workflow;

namespace TokenOps.Insights.Tests.Coaching;

public sealed class PendingStepsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);

    private static StepRow Step(string id, int second) => new()
    {
        Id = id,
        Timestamp = T0.AddSeconds(second),
        Provider = Providers.OpenAI,
        Operation = "chat",
        MessagesHash = "0123456789abcdef0123456789abcdef",
        LatencyMs = 1000,
    };

    [Fact]
    public void TryTake_ReturnsTheStepOnce()
    {
        var pending = new PendingSteps(4);
        pending.Add(7, Step("a", 0));

        Assert.True(pending.TryTake(7, out var row));
        Assert.Equal("a", row!.Id);
        Assert.Equal(0, pending.Count);
        Assert.False(pending.TryTake(7, out _));
    }

    [Fact]
    public void Add_WhenFull_DropsTheOldest_AndFreedSlotsAreReused()
    {
        var pending = new PendingSteps(3);
        pending.Add(1, Step("a", 0));
        pending.Add(2, Step("b", 1));
        pending.Add(3, Step("c", 2));
        pending.Add(4, Step("d", 3)); // full: a goes

        Assert.Equal(3, pending.Count);
        Assert.False(pending.TryTake(1, out _));
        Assert.True(pending.TryTake(3, out var c));
        Assert.Equal("c", c!.Id);

        pending.Add(5, Step("e", 4)); // b's slot (the oldest) goes next
        pending.Add(6, Step("f", 5)); // then c's freed slot, holding nothing
        Assert.Equal(3, pending.Count);
        Assert.False(pending.TryTake(2, out _));
        Assert.True(pending.TryTake(4, out _));
        Assert.True(pending.TryTake(5, out _));
        Assert.True(pending.TryTake(6, out _));
    }

    [Fact]
    public void Add_ForAChainAlreadyPending_ReplacesItsStep()
    {
        var pending = new PendingSteps(2);
        pending.Add(1, Step("a", 0));
        pending.Add(1, Step("a2", 1));

        Assert.Equal(1, pending.Count);
        Assert.True(pending.TryTake(1, out var row));
        Assert.Equal("a2", row!.Id);
    }

    [Fact]
    public void RemoveIdle_DropsStepsFinishedAtLeastTheIdleTimeAgo()
    {
        var pending = new PendingSteps(4);
        pending.Add(1, Step("a", 0)); // done at 1 s
        pending.Add(2, Step("b", 10)); // done at 11 s

        Assert.Equal(1, pending.RemoveIdle(T0.AddSeconds(61), TimeSpan.FromMinutes(1)));
        Assert.False(pending.TryTake(1, out _));
        Assert.True(pending.TryTake(2, out _));
    }

    [Fact]
    public void Add_GrowsUpToTheCapacity_ThenDropsTheOldestFirst()
    {
        var pending = new PendingSteps(200); // starts smaller, doubles as it fills
        for (var chain = 1; chain <= 150; chain++)
        {
            pending.Add(chain, Step("s" + chain, chain));
        }

        Assert.Equal(150, pending.Count);
        Assert.True(pending.TryTake(10, out _)); // a hole: the order of the rest is kept across growth
        for (var chain = 151; chain <= 251; chain++)
        {
            pending.Add(chain, Step("s" + chain, chain));
        }

        Assert.Equal(200, pending.Count);
        for (var chain = 1; chain <= 251; chain++)
        {
            Assert.Equal(chain > 51, pending.TryTake(chain, out _));
        }
    }
}
