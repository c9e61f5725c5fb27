using TokenOps.Core.Events;
using TokenOps.Insights.Workflow;

namespace TokenOps.Insights.Tests.Workflow;

public sealed class SessionInferrerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    private static StepRow Step(string id, int millisecond, string messagesHash, string? parent = null) => new()
    {
        Id = id,
        Timestamp = T0.AddMilliseconds(millisecond),
        Provider = Providers.OpenAI,
        Operation = "chat",
        CredentialHash = "cred",
        MessagesHash = messagesHash,
        ParentMessagesHash = parent,
    };

    [Fact]
    public void Assign_ManyUnrelatedConversations_StaysWithinTheBound_AndRecentOnesStillChain()
    {
        var inferrer = new SessionInferrer(TimeSpan.FromMinutes(30), maxTrackedHashes: 1000);
        var keys = new WorkflowKey[10_000];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = inferrer.Assign(Step("e" + i, i, "h" + i));
            Assert.True(inferrer.TrackedHashes <= 1000);
        }

        // The newest conversation is remembered: its continuation joins its chain.
        Assert.Equal(keys[9999], inferrer.Assign(Step("next", 10_000, "h-next", parent: "h9999")));
        // One from thousands of conversations ago is forgotten: its continuation starts a new chain.
        Assert.NotEqual(keys[5], inferrer.Assign(Step("old-next", 10_001, "h-old-next", parent: "h5")));
    }

    [Fact]
    public void Assign_WithoutABound_KeepsEveryConversationWithinTheGap()
    {
        var inferrer = new SessionInferrer(TimeSpan.FromMinutes(30));
        for (var i = 0; i < 5000; i++)
        {
            inferrer.Assign(Step("e" + i, i, "h" + i));
        }

        Assert.Equal(5000, inferrer.TrackedHashes);
        var first = inferrer.Assign(Step("again", 5000, "h0"));
        Assert.Equal(first, inferrer.Assign(Step("child", 5001, "h0-child", parent: "h0")));
    }
}
