using TokenOps.Core.Events;

namespace TokenOps.Core.Tests.Events;

public sealed class EnvelopeIdTests
{
    [Fact]
    public void NewId_IsAUuidV7WithTheCurrentTimeAndUnique()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 100_000; i++)
        {
            Assert.True(ids.Add(Envelope.NewId()));
        }

        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var id in ids.Take(1000))
        {
            // Canonical lower-case 8-4-4-4-12 form, version 7, RFC 9562 variant (10xx), 48-bit unix-ms prefix.
            Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", id);
            var guid = Guid.Parse(id);
            Assert.Equal(7, guid.Version);
            var ms = Convert.ToInt64(id[..8] + id[9..13], 16);
            Assert.InRange(ms, before, after);
        }
    }

    [Fact]
    public void NewId_LaterMillisecond_SortsAfter()
    {
        var first = Envelope.NewId();
        Thread.Sleep(5);
        var second = Envelope.NewId();
        Assert.True(string.CompareOrdinal(first, second) < 0);
    }
}
