namespace TokenOps.Proxy.Cache;

/// <summary>
/// A completed 2xx upstream response, kept to answer identical requests. The body is kept whole with the
/// offsets at which the original was flushed event by event (SSE), so a replay flushes at the same
/// event boundaries as the original stream.
/// </summary>
public sealed class CachedResponse
{
    /// <summary>Fixed per-entry overhead counted against <see cref="CacheOptions.MaxBytes"/> (object headers, arrays, LRU node).</summary>
    internal const int EntryOverheadBytes = 256;

    public CachedResponse(int statusCode, KeyValuePair<string, string>[] headers, byte[] body, int[] segmentEnds, DateTimeOffset createdAt, DateTimeOffset expiresAt)
    {
        StatusCode = statusCode;
        Headers = headers;
        Body = body;
        SegmentEnds = segmentEnds;
        CreatedAt = createdAt;
        ExpiresAt = expiresAt;
        long size = EntryOverheadBytes + body.Length + (segmentEnds.Length * sizeof(int));
        foreach (var header in headers)
        {
            size += (header.Key.Length + header.Value.Length) * sizeof(char);
        }

        SizeBytes = size;
    }

    public int StatusCode { get; }

    /// <summary>Response headers to replay (hop-by-hop and length headers already removed).</summary>
    public KeyValuePair<string, string>[] Headers { get; }

    public byte[] Body { get; }

    /// <summary>Exclusive end offsets of each flush segment in <see cref="Body"/>; the last equals Body.Length.</summary>
    public int[] SegmentEnds { get; }

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset ExpiresAt { get; }

    public long SizeBytes { get; }
}
