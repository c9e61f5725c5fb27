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

public sealed class SessionInferrerChainTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);

    private static StepRow Step(string id, int second, string messagesHash, string? parent = null, string credential = "cred") => new()
    {
        Id = id,
        Timestamp = T0.AddSeconds(second),
        Provider = Providers.OpenAI,
        Operation = "chat",
        CredentialHash = credential,
        MessagesHash = messagesHash,
        ParentMessagesHash = parent,
    };

    [Fact]
    public void ChainId_IsAutoPlusTheFirst12HexDigitsOfTheSha256OfTheFirstEventId()
    {
        var id = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        var expected = "auto-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id)))[..12];

        Assert.Equal(expected, SessionInferrer.ChainId(id));
        Assert.Equal(expected, new SessionInferrer(TimeSpan.FromMinutes(30)).Assign(Step(id, 0, "ab")).Id);
    }

    [Fact]
    public void Assign_HexAndOtherHashes_ChainOnlyOnEqualStrings()
    {
        var inferrer = new SessionInferrer(TimeSpan.FromMinutes(30));
        var a = inferrer.Assign(Step("a", 0, "00ab"));
        var b = inferrer.Assign(Step("b", 1, "ab")); // same bytes once leading zeros are dropped: a different hash
        var c = inferrer.Assign(Step("c", 2, "AB")); // not lower-case hex
        var d = inferrer.Assign(Step("d", 3, "ab", credential: "other")); // another credential

        Assert.Equal(4, new[] { a, b, c, d }.Distinct().Count());
        Assert.Equal(a, inferrer.Assign(Step("a2", 4, "00ab00", parent: "00ab")));
        Assert.Equal(b, inferrer.Assign(Step("b2", 5, "x", parent: "ab")));
        Assert.Equal(c, inferrer.Assign(Step("c2", 6, "y", parent: "AB")));
        Assert.Equal(d, inferrer.Assign(Step("d2", 7, "z", parent: "ab", credential: "other")));
    }

    [Fact]
    public void Assign_AfterTheGap_ChainsAreForgotten_AndTheirSlotsReusedUnderNewNames()
    {
        var inferrer = new SessionInferrer(TimeSpan.FromMinutes(1));
        var first = inferrer.Assign(Step("first", 0, "01"));
        var later = inferrer.Assign(Step("later", 120, "02")); // prunes "first" (2 min > 1 min gap); may reuse its slot

        Assert.Equal(1, inferrer.TrackedHashes);
        Assert.NotEqual(first, later);
        Assert.Equal(SessionInferrer.ChainId("later"), later.Id);
        Assert.NotEqual(first, inferrer.Assign(Step("child", 121, "03", parent: "01")));
        Assert.Equal(later, inferrer.Assign(Step("child2", 122, "04", parent: "02")));
    }
}
