using System.Text;
using TokenOps.Proxy.Cache;

namespace TokenOps.Proxy.Tests.Cache;

public sealed class CacheRecorderTests
{
    private const string Sse = "event: message_start\ndata: {\"a\":1}\n\nevent: ping\ndata: {}\n\ndata: [DONE]\n\n";

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

        var entry = recorder.Build(200, [], DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(1))!;
        Assert.Equal(bytes, entry.Body);
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
        var entry = recorder.Build(200, [], DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(1))!;
        Assert.Equal([17, 34], entry.SegmentEnds);
    }

    [Fact]
    public void Append_Json_OneSegment()
    {
        using var recorder = new CacheRecorder(1 << 20, eventStream: false);
        recorder.Append("{\"id\":\"x\"}\n\n{"u8);
        var entry = recorder.Build(200, [], DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(1))!;
        Assert.Equal([13], entry.SegmentEnds);
    }

    [Fact]
    public void Append_OverLimit_BuildReturnsNull()
    {
        using var recorder = new CacheRecorder(10, eventStream: false);
        recorder.Append("0123456789"u8);
        recorder.Append("x"u8);
        Assert.True(recorder.Overflowed);
        Assert.Null(recorder.Build(200, [], DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(1)));
    }
}
