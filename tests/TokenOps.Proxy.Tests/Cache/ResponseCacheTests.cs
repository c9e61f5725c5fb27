using System.Text;
using Microsoft.Extensions.Time.Testing;
using TokenOps.Core.Caching;
using TokenOps.Proxy.Cache;

namespace TokenOps.Proxy.Tests.Cache;

public sealed class ResponseCacheTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static CachedResponse Entry(FakeTimeProvider time, int bodyBytes, TimeSpan? ttl = null)
    {
        var now = time.GetUtcNow();
        return new CachedResponse(200, [new("content-type", "application/json")], new byte[bodyBytes], [bodyBytes], now, now + (ttl ?? TimeSpan.FromMinutes(10)));
    }

    private static CacheKey Key(string body, string? credential = "cred-a") =>
        CacheKey.Compute("openai", "POST", "/v1/chat/completions", credential, Encoding.UTF8.GetBytes(body));

    [Fact]
    public void Compute_SameInputs_SameKey_AnyPartChanged_DifferentKey()
    {
        var body = "{\"model\":\"gpt-4o\"}"u8.ToArray();
        var key = CacheKey.Compute("openai", "POST", "/v1/chat/completions", "h1", body);
        Assert.Equal(key, CacheKey.Compute("openai", "POST", "/v1/chat/completions", "h1", body));
        Assert.NotEqual(key, CacheKey.Compute("anthropic", "POST", "/v1/chat/completions", "h1", body));
        Assert.NotEqual(key, CacheKey.Compute("openai", "PUT", "/v1/chat/completions", "h1", body));
        Assert.NotEqual(key, CacheKey.Compute("openai", "POST", "/v1/chat/completions?x=1", "h1", body));
        Assert.NotEqual(key, CacheKey.Compute("openai", "POST", "/v1/chat/completions", "h2", body));
        Assert.NotEqual(key, CacheKey.Compute("openai", "POST", "/v1/chat/completions", "h1", "{\"model\":\"gpt-4o-mini\"}"u8));
        // Length-prefixed parts: moving a character across a part boundary changes the key.
        Assert.NotEqual(CacheKey.Compute("ab", "c", "/", null, body), CacheKey.Compute("a", "bc", "/", null, body));
    }

    [Fact]
    public void TryGet_ReturnsExactlyWhatWasStored_AsItsOwnCopyOfTheNativeBlock()
    {
        var time = new FakeTimeProvider(Start);
        using var cache = new ResponseCache(new CacheOptions { Enabled = true, SweepInterval = TimeSpan.Zero }, time);
        // Any UTF-16 survives, even a lone surrogate (headers are kept as UTF-16, not re-encoded).
        KeyValuePair<string, string>[] headers = [new("content-type", "text/event-stream; charset=utf-8"), new("x-note", "caf\u00e9 \ud83d\ude00 \ud800"), new("x-empty", "")];
        var body = Encoding.UTF8.GetBytes("data: {\"a\":1}\n\ndata: [DONE]\n\n");
        var created = time.GetUtcNow();
        Assert.True(cache.Store(Key("k"), new CachedResponse(201, headers, body, [16, body.Length], created, created.AddMinutes(3))));

        Assert.True(cache.TryGet(Key("k"), out var entry));
        Assert.Equal(201, entry!.StatusCode);
        Assert.Equal(headers, entry.Headers);
        Assert.Equal(body, entry.Body.ToArray());
        Assert.Equal([16, body.Length], entry.SegmentEnds);
        Assert.Equal(created, entry.CreatedAt);
        Assert.Equal(created.AddMinutes(3), entry.ExpiresAt);

        // The cache holds the entry in one native block (nothing on the GC heap); a hit gets its own copy of it.
        var blobLength = GetArray(entry.Body).Length;
        Assert.Equal(blobLength, cache.NativeBytes);
        Assert.Equal(CachedResponse.StoredBytes(blobLength), cache.GetStats().Bytes);
        Assert.True(cache.TryGet(Key("k"), out var again));
        Assert.NotSame(GetArray(entry.Body), GetArray(again!.Body));
    }

    [Fact]
    public void AStreamedReply_IsKeptCompressed_AndReplayedByteForByte()
    {
        var time = new FakeTimeProvider(Start);
        var sse = new StringBuilder();
        var ends = new List<int>();
        for (var i = 0; i < 500; i++)
        {
            sse.Append("data: {\"id\":\"chatcmpl-AbC123\",\"object\":\"chat.completion.chunk\",\"created\":1764849600,\"model\":\"gpt-4o-2024-08-06\",")
                .Append("\"system_fingerprint\":\"fp_abc\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" word").Append(i).Append("\"},\"finish_reason\":null}]}\n\n");
            ends.Add(Encoding.UTF8.GetByteCount(sse.ToString()));
        }

        var body = Encoding.UTF8.GetBytes(sse.ToString());
        var now = time.GetUtcNow();
        KeyValuePair<string, string>[] headers = [new("content-type", "text/event-stream"), new("openai-processing-ms", "812")];
        var reply = new CachedResponse(200, headers, body, ends.ToArray(), now, now.AddMinutes(10));
        using var cache = new ResponseCache(new CacheOptions { Enabled = true, SweepInterval = TimeSpan.Zero }, time);
        Assert.True(cache.Store(Key("stream"), reply));

        Assert.True(body.Length > 100_000);
        Assert.True(cache.NativeBytes < body.Length / 5, $"{cache.NativeBytes:N0} B kept for {body.Length:N0} B");
        Assert.True(cache.GetStats().Bytes < reply.SizeBytes / 5); // the bound counts what is really kept
        Assert.True(cache.TryGet(Key("stream"), out var hit));
        Assert.Equal(body, hit!.Body.ToArray());
        Assert.Equal(ends, hit.SegmentEnds);
        Assert.Equal(headers, hit.Headers);
    }

    [Theory]
    [InlineData(100)] // below the threshold: raw
    [InlineData(EntryBlock.CompressMinBytes - 64)]
    [InlineData(64 * 1024)] // incompressible: raw, as compressing would not save a quarter
    public void SmallOrIncompressibleEntries_AreKeptRaw(int bodyBytes)
    {
        var time = new FakeTimeProvider(Start);
        var body = new byte[bodyBytes];
        new Random(7).NextBytes(body);
        var now = time.GetUtcNow();
        var entry = new CachedResponse(200, [], body, [body.Length], now, now.AddMinutes(10));
        using var cache = new ResponseCache(new CacheOptions { Enabled = true, SweepInterval = TimeSpan.Zero }, time);
        Assert.True(cache.Store(Key("raw"), entry));
        Assert.Equal(entry.SizeBytes, cache.GetStats().Bytes);
        Assert.True(cache.TryGet(Key("raw"), out var hit));
        Assert.Equal(body, hit!.Body.ToArray());
    }

    [Fact]
    public void NativeBlocks_AreFreedOnEviction_Expiry_Replacement_Clear_AndDispose()
    {
        var time = new FakeTimeProvider(Start);
        var one = Entry(time, 1000);
        var blob = (long)GetArray(one.Body).Length;
        var cache = new ResponseCache(new CacheOptions { Enabled = true, MaxBytes = one.SizeBytes * 3, SweepInterval = TimeSpan.Zero }, time);
        for (var i = 0; i < 10; i++)
        {
            cache.Store(Key("evict" + i), Entry(time, 1000));
        }

        Assert.Equal(3 * blob, cache.NativeBytes); // seven evicted, their blocks freed at once

        cache.Store(Key("evict9"), Entry(time, 1000)); // replaced
        Assert.Equal(3 * blob, cache.NativeBytes);

        cache.Store(Key("short"), Entry(time, 1000, TimeSpan.FromSeconds(1)));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(cache.TryGet(Key("short"), out _)); // expired on read
        Assert.Equal(2 * blob, cache.NativeBytes);

        Assert.Equal(2, cache.Clear());
        Assert.Equal(0, cache.NativeBytes);

        cache.Store(Key("last"), Entry(time, 1000));
        cache.Dispose();
        Assert.Equal(0, cache.NativeBytes);
        Assert.False(cache.Store(Key("after"), Entry(time, 1000))); // refused once disposed: nothing left to leak
        Assert.Equal(0, cache.NativeBytes);
    }

    [Theory]
    [InlineData("evict")]
    [InlineData("replace")]
    [InlineData("clear")]
    [InlineData("dispose")]
    public void EntryRemovedWhileAHitCopiesIt_IsFreedByThatHit_AfterItsCopyIsComplete(string removal)
    {
        var time = new FakeTimeProvider(Start);
        var body = Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray(); // below the compression threshold: sizes are exact
        var now = time.GetUtcNow();
        CachedResponse Make(byte[] b) => new(200, [new("content-type", "application/json")], b, [b.Length], now, now.AddMinutes(10));
        var size = Make(body).SizeBytes;
        var cache = new ResponseCache(new CacheOptions { Enabled = true, MaxBytes = size, SweepInterval = TimeSpan.Zero }, time);
        cache.Store(Key("x"), Make(body));
        var blob = cache.NativeBytes;
        var removedDuringCopy = false;
        cache.CopyingForTests = key =>
        {
            if (removedDuringCopy)
            {
                return;
            }

            removedDuringCopy = true;
            switch (removal)
            {
                case "evict": cache.Store(Key("y"), Make(new byte[3000])); break;
                case "replace": cache.Store(Key("x"), Make(new byte[3000])); break;
                case "clear": cache.Clear(); break;
                default: cache.Dispose(); break;
            }

            // Removed, but not freed: this hit is still reading the block.
            Assert.True(cache.NativeBytes >= blob);
        };

        Assert.True(cache.TryGet(Key("x"), out var hit));
        Assert.True(removedDuringCopy);
        Assert.Equal(body, hit!.Body.ToArray()); // the original bytes, intact
        var expected = removal is "evict" or "replace" ? blob : 0; // the block that replaced it, or nothing
        Assert.Equal(expected, cache.NativeBytes);
        cache.Dispose();
        Assert.Equal(0, cache.NativeBytes);
    }

    [Fact]
    public void ConcurrentStoresHitsAndClears_NeverServeTornBytes_AndLeakNothing()
    {
        var time = new FakeTimeProvider(Start);
        var now = time.GetUtcNow();
        static byte[] BodyOf(int n) => Enumerable.Range(0, 300 + (n % 7 * 100)).Select(i => (byte)(i ^ n)).ToArray();
        var entrySize = new CachedResponse(200, [], BodyOf(6), [BodyOf(6).Length], now, now.AddMinutes(10)).SizeBytes;
        var cache = new ResponseCache(new CacheOptions { Enabled = true, MaxBytes = entrySize * 8, SweepInterval = TimeSpan.Zero }, time);
        var hits = 0;
        Parallel.For(0, 4, worker =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                var n = (i * 7 + worker) % 24;
                if (cache.TryGet(Key("c" + n), out var entry))
                {
                    Assert.Equal(BodyOf(n), entry!.Body.ToArray());
                    Interlocked.Increment(ref hits);
                }
                else
                {
                    var body = BodyOf(n);
                    cache.Store(Key("c" + n), new CachedResponse(200, [], body, [body.Length], now, now.AddMinutes(10)));
                }

                if (worker == 0 && i % 997 == 0)
                {
                    cache.Clear();
                }
            }
        });

        Assert.True(hits > 0);
        cache.Dispose();
        Assert.Equal(0, cache.NativeBytes);
    }

    private static byte[] GetArray(ReadOnlyMemory<byte> memory) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(memory, out var segment) ? segment.Array! : throw new InvalidOperationException("not an array");

    [Fact]
    public void ToHex_RoundTrips()
    {
        var key = Key("x");
        Assert.Equal(64, key.ToHex().Length);
        Assert.Equal(key, CacheKey.FromHex(key.ToHex()));
    }

    [Fact]
    public void TryGet_AfterTtl_MissesAndCountsExpiration()
    {
        var time = new FakeTimeProvider(Start);
        using var cache = new ResponseCache(new CacheOptions { Enabled = true, SweepInterval = TimeSpan.Zero }, time);
        cache.Store(Key("a"), Entry(time, 10, TimeSpan.FromMinutes(10)));

        time.Advance(TimeSpan.FromMinutes(9));
        Assert.True(cache.TryGet(Key("a"), out var hit));
        Assert.NotNull(hit);

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(cache.TryGet(Key("a"), out _));
        var stats = cache.GetStats();
        Assert.Equal(0, stats.Entries);
        Assert.Equal(1, stats.Expirations);
        Assert.Equal(0, stats.Bytes);
    }

    [Fact]
    public void Sweep_RemovesOnlyExpired_ViaTimer()
    {
        var time = new FakeTimeProvider(Start);
        using var cache = new ResponseCache(new CacheOptions { Enabled = true, SweepInterval = TimeSpan.FromSeconds(30) }, time);
        cache.Store(Key("short"), Entry(time, 10, TimeSpan.FromSeconds(20)));
        cache.Store(Key("long"), Entry(time, 10, TimeSpan.FromMinutes(5)));

        time.Advance(TimeSpan.FromSeconds(30)); // fires the background sweep
        var stats = cache.GetStats();
        Assert.Equal(1, stats.Entries);
        Assert.Equal(1, stats.Expirations);
        Assert.True(cache.TryGet(Key("long"), out _));
    }

    [Fact]
    public void Store_BeyondMaxBytes_EvictsLeastRecentlyUsed()
    {
        var time = new FakeTimeProvider(Start);
        var entrySize = Entry(time, 1000).SizeBytes;
        using var cache = new ResponseCache(new CacheOptions { Enabled = true, MaxBytes = entrySize * 3, SweepInterval = TimeSpan.Zero }, time);
        cache.Store(Key("1"), Entry(time, 1000));
        cache.Store(Key("2"), Entry(time, 1000));
        cache.Store(Key("3"), Entry(time, 1000));
        Assert.True(cache.TryGet(Key("1"), out _)); // 1 becomes most recent; 2 is now the LRU

        cache.Store(Key("4"), Entry(time, 1000));

        Assert.False(cache.TryGet(Key("2"), out _));
        Assert.True(cache.TryGet(Key("1"), out _));
        Assert.True(cache.TryGet(Key("3"), out _));
        Assert.True(cache.TryGet(Key("4"), out _));
        var stats = cache.GetStats();
        Assert.Equal(3, stats.Entries);
        Assert.Equal(1, stats.Evictions);
        Assert.True(stats.Bytes <= entrySize * 3);
    }

    [Fact]
    public void Store_LargerThanMaxBytes_NotStored()
    {
        var time = new FakeTimeProvider(Start);
        using var cache = new ResponseCache(new CacheOptions { Enabled = true, MaxBytes = 1000, SweepInterval = TimeSpan.Zero }, time);
        Assert.False(cache.Store(Key("big"), Entry(time, 3000)));
        Assert.Equal(0, cache.GetStats().Entries);
        Assert.Equal(1, cache.GetStats().NotStored);

        // What counts is what would be kept: 5000 zero bytes compress to a few dozen.
        Assert.True(cache.Store(Key("compressible"), Entry(time, 5000)));
        Assert.Equal(1, cache.GetStats().Entries);
    }

    [Theory]
    [InlineData(900)]
    [InlineData(1_500_000)] // past the pooled encoding buffer's size: an array of its own
    public void Store_FromParts_ReadsBackTheSameEntry(int bodyBytes)
    {
        var time = new FakeTimeProvider(Start);
        using var cache = new ResponseCache(new CacheOptions { Enabled = true, MaxBytes = 8 << 20, SweepInterval = TimeSpan.Zero }, time);
        var body = new byte[bodyBytes];
        new Random(bodyBytes).NextBytes(body); // incompressible: kept raw
        KeyValuePair<string, string>[] headers = [new("content-type", "text/event-stream"), new("x-request-id", "req_\u00e9")];

        Assert.True(cache.Store(Key("parts"), 203, headers, body, [bodyBytes / 2, bodyBytes], time.GetUtcNow(), time.GetUtcNow().AddMinutes(1)));

        Assert.True(cache.TryGet(Key("parts"), out var entry));
        Assert.Equal(203, entry!.StatusCode);
        Assert.Equal(headers, entry.Headers);
        Assert.Equal([bodyBytes / 2, bodyBytes], entry.SegmentEnds);
        Assert.True(body.AsSpan().SequenceEqual(entry.Body.Span));
        Assert.Equal(time.GetUtcNow().AddMinutes(1), entry.ExpiresAt);
    }

    [Fact]
    public void Store_DifferentCredentials_NeverShareEntries()
    {
        var time = new FakeTimeProvider(Start);
        using var cache = new ResponseCache(new CacheOptions { Enabled = true, SweepInterval = TimeSpan.Zero }, time);
        cache.Store(Key("same body", "key-hash-1"), Entry(time, 10));
        Assert.True(cache.TryGet(Key("same body", "key-hash-1"), out _));
        Assert.False(cache.TryGet(Key("same body", "key-hash-2"), out _));
    }

    [Fact]
    public async Task TryBeginFlight_FiftyConcurrent_OneLeaderAllFollowersServed()
    {
        var time = new FakeTimeProvider(Start);
        using var cache = new ResponseCache(new CacheOptions { Enabled = true, SweepInterval = TimeSpan.Zero }, time);
        var key = Key("hot");
        var leaders = 0;
        var joined = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
        {
            var leads = cache.TryBeginFlight(key, out var flight);
            Interlocked.Increment(ref joined);
            if (leads)
            {
                Interlocked.Increment(ref leaders);
                await release.Task;
                var entry = Entry(time, 42);
                cache.CompleteFlight(flight, cache.Store(key, entry));
                return entry;
            }

            // A follower is served from the cache, with its own copy of the entry.
            Assert.True(await flight.Result);
            Assert.True(cache.TryGet(key, out var shared));
            return shared;
        })).ToArray();

        // Release the leader only once all 50 have asked: on a starved thread pool a task that starts after the flight
        // completed would rightly lead a new one, which is not what this test is about.
        while (Volatile.Read(ref joined) < 50)
        {
            await Task.Delay(1);
        }

        release.SetResult();
        var results = await Task.WhenAll(tasks);
        Assert.Equal(1, leaders);
        Assert.All(results, r => Assert.Equal(42, r!.Body.Length));
        Assert.Equal(0, cache.FlightsInProgress);
    }

    [Fact]
    public async Task CompleteFlight_NotStored_FollowersFallThrough_NextCallerLeadsAgain()
    {
        var time = new FakeTimeProvider(Start);
        using var cache = new ResponseCache(new CacheOptions { Enabled = true, SweepInterval = TimeSpan.Zero }, time);
        var key = Key("fails");
        Assert.True(cache.TryBeginFlight(key, out var leader));
        Assert.False(cache.TryBeginFlight(key, out var follower));
        cache.CompleteFlight(leader, stored: false);
        Assert.False(await follower.Result);
        Assert.True(cache.TryBeginFlight(key, out var next));
        cache.CompleteFlight(next, stored: false);
    }

    [Fact]
    public void Clear_RemovesEverything()
    {
        var time = new FakeTimeProvider(Start);
        using var cache = new ResponseCache(new CacheOptions { Enabled = true, SweepInterval = TimeSpan.Zero }, time);
        cache.Store(Key("1"), Entry(time, 10));
        cache.Store(Key("2"), Entry(time, 10));
        Assert.Equal(2, cache.Clear());
        Assert.Equal(0, cache.GetStats().Entries);
        Assert.Equal(0, cache.GetStats().Bytes);
    }

    [Fact]
    public void Persistence_StoredEntries_ReloadIntoNewCache_ExpiredOnesNot()
    {
        var time = new FakeTimeProvider(Start);
        var store = new MemoryPersistence();
        var options = new CacheOptions { Enabled = true, Persist = true, SweepInterval = TimeSpan.Zero };
        using (var cache = new ResponseCache(options, time, store))
        {
            var body = Encoding.UTF8.GetBytes("data: a\n\ndata: b\n\n");
            cache.Store(Key("p"), new CachedResponse(200, [new("content-type", "text/event-stream")], body, [9, 18], time.GetUtcNow(), time.GetUtcNow().AddMinutes(10)));
            cache.Store(Key("short"), Entry(time, 5, TimeSpan.FromSeconds(5)));
            // From parts, as the proxy stores a recorded miss: persisted too.
            Assert.True(cache.Store(Key("parts"), 202, [new("x-a", "b")], "{}"u8, [2], time.GetUtcNow(), time.GetUtcNow().AddMinutes(10)));
        }

        time.Advance(TimeSpan.FromMinutes(1));
        using var reloaded = new ResponseCache(options, time, store);
        Assert.True(reloaded.TryGet(Key("p"), out var entry));
        Assert.Equal("data: a\n\ndata: b\n\n", Encoding.UTF8.GetString(entry!.Body.Span));
        Assert.Equal([9, 18], entry.SegmentEnds);
        Assert.Equal("text/event-stream", entry.Headers[0].Value);
        Assert.False(reloaded.TryGet(Key("short"), out _));
        Assert.True(reloaded.TryGet(Key("parts"), out var parts));
        Assert.Equal((202, "{}", "b"), (parts!.StatusCode, Encoding.UTF8.GetString(parts.Body.Span), parts.Headers[0].Value));
    }

    [Fact]
    public void Persistence_LoadThrows_StartsEmptyWithoutThrowing()
    {
        var time = new FakeTimeProvider(Start);
        using var cache = new ResponseCache(new CacheOptions { Enabled = true, Persist = true, SweepInterval = TimeSpan.Zero }, time, new BrokenPersistence());
        Assert.Equal(0, cache.GetStats().Entries);
        cache.Store(Key("x"), Entry(time, 1));
        Assert.True(cache.TryGet(Key("x"), out _));
    }

    private sealed class MemoryPersistence : ICachePersistence
    {
        private readonly Dictionary<string, PersistedCacheEntry> _entries = new();

        public IReadOnlyList<PersistedCacheEntry> LoadLive(long nowUnixMs)
        {
            lock (_entries)
            {
                return _entries.Values.Where(e => e.ExpiresAtUnixMs > nowUnixMs).OrderBy(e => e.CreatedAtUnixMs).ToList();
            }
        }

        public void Upsert(PersistedCacheEntry entry)
        {
            lock (_entries)
            {
                _entries[entry.KeyHex] = entry;
            }
        }

        public void Delete(string keyHex)
        {
            lock (_entries)
            {
                _entries.Remove(keyHex);
            }
        }

        public void Clear()
        {
            lock (_entries)
            {
                _entries.Clear();
            }
        }
    }

    private sealed class BrokenPersistence : ICachePersistence
    {
        public IReadOnlyList<PersistedCacheEntry> LoadLive(long nowUnixMs) => throw new IOException("disk on fire");

        public void Upsert(PersistedCacheEntry entry) => throw new IOException("disk full");

        public void Delete(string keyHex) => throw new IOException("disk full");

        public void Clear() => throw new IOException("disk full");
    }
}
