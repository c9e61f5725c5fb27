using System.Text;
using Microsoft.Extensions.Time.Testing;
using TokenOps.Core.Caching;
using TokenOps.Proxy.Cache;

namespace TokenOps.Proxy.Tests.Cache;

/// <summary>Runs alone (no other test allocating in parallel): it measures the managed heap.</summary>
[CollectionDefinition(nameof(HeapMeasurementCollection), DisableParallelization = true)]
public sealed class HeapMeasurementCollection;

[Collection(nameof(HeapMeasurementCollection))]
public sealed class ResponseCacheMemoryTests
{
    /// <summary>
    /// <c>cache.max_bytes</c> bounds memory: what the cache accounts per entry is at least what the entries really retain
    /// (on the GC heap: slots and map; natively: one block per entry with the C allocator's 8-byte header), and not wildly more.
    /// </summary>
    [Theory]
    [InlineData(1024, 1, 6)] // a chat completion JSON
    [InlineData(12 * 1024, 64, 9)] // a streamed reply: 64 SSE events
    [InlineData(40, 1, 2)] // tiny bodies: the fixed overhead dominates
    public void Bytes_AccountedPerEntry_BoundWhatTheEntriesRetain(int bodyBytes, int segments, int headerCount)
    {
        const int entries = 8000;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        var keys = new CacheKey[entries];
        for (var i = 0; i < entries; i++)
        {
            keys[i] = CacheKey.Compute("openai", "POST", "/v1/chat/completions", "cred", Encoding.UTF8.GetBytes("body " + i));
        }

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var cache = new ResponseCache(new CacheOptions { Enabled = true, MaxBytes = long.MaxValue, SweepInterval = TimeSpan.Zero }, time);
        var now = time.GetUtcNow();
        for (var i = 0; i < entries; i++)
        {
            // Fresh strings per entry, as HttpClient hands them over for every response.
            var headers = new KeyValuePair<string, string>[headerCount];
            for (var h = 0; h < headerCount; h++)
            {
                headers[h] = new(string.Concat("x-header-", h.ToString(System.Globalization.CultureInfo.InvariantCulture)), string.Concat("value ", i.ToString(System.Globalization.CultureInfo.InvariantCulture), " of a typical length"));
            }

            var ends = new int[segments];
            for (var s = 0; s < segments; s++)
            {
                ends[s] = (int)((long)bodyBytes * (s + 1) / segments);
            }

            Assert.True(cache.Store(keys[i], new CachedResponse(200, headers, new byte[bodyBytes], ends, now, now.AddMinutes(10))));
        }

        var managed = GC.GetTotalMemory(forceFullCollection: true) - before;
        var retained = managed + cache.NativeBytes + (8L * entries);
        var accounted = cache.GetStats().Bytes;
        GC.KeepAlive(cache);

        Assert.Equal(entries, cache.GetStats().Entries);
        Assert.True(retained <= accounted, $"retained {retained:N0} B ({managed:N0} managed) > accounted {accounted:N0} B ({retained / (double)entries:N0} vs {accounted / (double)entries:N0} per entry)");
        Assert.True(accounted <= retained * 1.5, $"accounted {accounted:N0} B is far above retained {retained:N0} B");
        cache.Dispose();
    }
}
