namespace TokenOps.Proxy.Cache;

/// <summary>
/// A completed 2xx upstream response, kept to answer identical requests. The body is kept whole with the
/// offsets at which the original was flushed event by event (SSE), so a replay flushes at the same
/// event boundaries as the original stream.
/// </summary>
public sealed class CachedResponse
{
    /// <summary>
    /// Fixed per-entry overhead counted against <see cref="CacheOptions.MaxBytes"/>, on the 64-bit runtime: this object
    /// (88 B), the LRU node holding the key (80 B), the map entry with its bucket at the dictionary's worst load (~104 B),
    /// and the empty headers and segments arrays (48 B).
    /// </summary>
    internal const int EntryOverheadBytes = 320;

    public CachedResponse(int statusCode, KeyValuePair<string, string>[] headers, byte[] body, int[] segmentEnds, DateTimeOffset createdAt, DateTimeOffset expiresAt)
    {
        StatusCode = statusCode;
        Headers = headers;
        Body = body;
        SegmentEnds = segmentEnds;
        CreatedAt = createdAt;
        ExpiresAt = expiresAt;
        SizeBytes = HeapBytes(headers, body.Length, segmentEnds.Length);
    }

    public int StatusCode { get; }

    /// <summary>Response headers to replay (hop-by-hop and length headers already removed).</summary>
    public KeyValuePair<string, string>[] Headers { get; }

    public byte[] Body { get; }

    /// <summary>Exclusive end offsets of each flush segment in <see cref="Body"/>; the last equals Body.Length.</summary>
    public int[] SegmentEnds { get; }

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset ExpiresAt { get; }

    /// <summary>What the entry really occupies on the GC heap (see <see cref="HeapBytes"/>): the cache's byte bound is a bound on memory.</summary>
    public long SizeBytes { get; }

    /// <summary>
    /// Managed heap bytes of an entry: <see cref="EntryOverheadBytes"/> plus the body array, the segment-ends array, the
    /// header array and each header's name and value strings, each rounded up to the 8-byte allocation unit. Names are
    /// counted per entry even when the runtime shares them: the bound errs on the side of memory.
    /// </summary>
    internal static long HeapBytes(KeyValuePair<string, string>[] headers, int bodyLength, int segmentCount)
    {
        // byte[]/int[]: 8 header + 8 method table + 8 length (padded); KeyValuePair<string,string>[]: 16 B per element.
        long size = EntryOverheadBytes + Align(24 + (long)bodyLength) + Align(24 + (4L * segmentCount)) + Align(24 + (16L * headers.Length));
        foreach (var header in headers)
        {
            size += StringBytes(header.Key) + StringBytes(header.Value);
        }

        return size;
    }

    // string: 8 header + 8 method table + 4 length + 2 per char + 2 for the terminator.
    private static long StringBytes(string s) => Align(22 + (2L * s.Length));

    private static long Align(long bytes) => (bytes + 7) & ~7L;
}
