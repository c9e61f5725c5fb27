using System.Text;
using TokenOps.Proxy.Cache;

namespace TokenOps.Proxy.Tests.Cache;

public sealed class CacheRecorderTests
{
    private const string Sse = "event: message_start\ndata: {\"a\":1}\n\nevent: ping\ndata: {}\n\ndata: [DONE]\n\n";

    /// <summary>Stores the recording the way the proxy does (straight from its buffer) and reads the entry back.</summary>
    private static CachedResponse? Stored(CacheRecorder recorder, KeyValuePair<string, string>[]? headers = null)
    {
        using var cache = new ResponseCache(new CacheOptions { Enabled = true, SweepInterval = TimeSpan.Zero });
        var key = CacheKey.Compute("openai", "POST", "/v1/chat/completions", "cred", "{}"u8);
        if (!recorder.StoreInto(cache, key, 201, headers ?? [], DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1)))
        {
            return null;
        }

        Assert.True(cache.TryGet(key, out var entry));
        return entry;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Append_SseInAnyChunking_SegmentsAtEventBoundaries(int chunkSize)
    {
        var bytes = Encoding.UTF8.GetBytes(Sse);
        using var recorder = new CacheRecorder(1 << 20, eventStream: true);
        for (var i = 0; i < bytes.Length; i += chunkSize)
        {
            recorder.Append(bytes.AsSpan(i, Math.Min(chunkSize, bytes.Length - i)));
        }

        var entry = Stored(recorder, [new("content-type", "text/event-stream"), new("x-request-id", "req_é1")])!;
        Assert.Equal(bytes, entry.Body);
        Assert.Equal(201, entry.StatusCode);
        Assert.Equal([new("content-type", "text/event-stream"), new("x-request-id", "req_é1")], entry.Headers);
        var first = Sse.IndexOf("\n\n", StringComparison.Ordinal) + 2;
        var second = Sse.IndexOf("\n\n", first, StringComparison.Ordinal) + 2;
        Assert.Equal([first, second, bytes.Length], entry.SegmentEnds);
    }

    [Fact]
    public void Append_CrLfEvents_SegmentsAtBlankLines()
    {
        var bytes = Encoding.UTF8.GetBytes("data: {\"x\":1}\r\n\r\ndata: {\"x\":2}\r\n\r\n");
        using var recorder = new CacheRecorder(1 << 20, eventStream: true);
        recorder.Append(bytes);
        var entry = Stored(recorder)!;
        Assert.Equal([17, 34], entry.SegmentEnds);
    }

    [Fact]
    public void Append_Json_OneSegment()
    {
        using var recorder = new CacheRecorder(1 << 20, eventStream: false);
        recorder.Append("{\"id\":\"x\"}\n\n{"u8);
        var entry = Stored(recorder)!;
        Assert.Equal([13], entry.SegmentEnds);
    }

    [Fact]
    public void Append_OverLimit_NotStored()
    {
        using var recorder = new CacheRecorder(10, eventStream: false);
        recorder.Append("0123456789"u8);
        recorder.Append("x"u8);
        Assert.True(recorder.Overflowed);
        Assert.Null(Stored(recorder));
    }
}
