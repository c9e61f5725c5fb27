using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace TokenOps.Proxy.Cache;

/// <summary>
/// A completed 2xx upstream response, kept to answer identical requests. The body is kept whole with the
/// offsets at which the original was flushed event by event (SSE), so a replay flushes at the same
/// event boundaries as the original stream.
/// </summary>
/// <remarks>
/// Everything an entry holds (status aside) is encoded in ONE byte array: the headers as UTF-16, the segment ends and the
/// body. The cache copies that encoding into a native block of its own and frees the block the moment the entry is
/// evicted or expires (see <see cref="ResponseCache"/>), so the cache's bound is a bound on memory: no garbage of evicted
/// entries waits for a full GC, and no cached byte is ever copied or traced by a collection. This wrapper and its array
/// are made per hit and die young. A response recorded by the proxy is not wrapped at all: it is encoded into a pooled
/// buffer and packed from there (<see cref="ResponseCache.Store(CacheKey, int, KeyValuePair{string, string}[], ReadOnlySpan{byte}, ReadOnlySpan{int}, DateTimeOffset, DateTimeOffset)"/>).
/// </remarks>
public sealed class CachedResponse
{
    /// <summary>
    /// Fixed per-entry overhead counted against <see cref="CacheOptions.MaxBytes"/>, on the 64-bit runtime, at the worst
    /// moment (just after the cache's arrays doubled): the slot (88 B) twice and the map entry with its bucket (52 B) twice.
    /// The native block is counted on its own (<see cref="StoredBytes"/>).
    /// </summary>
    internal const int EntryOverheadBytes = 280;

    // Blob layout: [bodyOffset:int][segmentCount:int][headerCount:int] then per header [nameChars:int][valueChars:int]
    // [name UTF-16][value UTF-16], then segmentCount ints, then the body.
    private const int FixedHeaderBytes = 12;

    // Set only on an instance built from parts (loaded from or saved to the persisted cache, tests); views decode.
    private readonly KeyValuePair<string, string>[]? _headers;

    public CachedResponse(int statusCode, KeyValuePair<string, string>[] headers, ReadOnlySpan<byte> body, ReadOnlySpan<int> segmentEnds, DateTimeOffset createdAt, DateTimeOffset expiresAt)
    {
        ArgumentNullException.ThrowIfNull(headers);
        StatusCode = statusCode;
        CreatedAt = createdAt;
        ExpiresAt = expiresAt;
        Blob = Encode(headers, body, segmentEnds);
        _headers = headers;
    }

    private CachedResponse(byte[] blob, int statusCode, DateTimeOffset createdAt, DateTimeOffset expiresAt)
    {
        Blob = blob;
        StatusCode = statusCode;
        CreatedAt = createdAt;
        ExpiresAt = expiresAt;
    }

    public int StatusCode { get; }

    /// <summary>Response headers to replay (hop-by-hop and length headers already removed).</summary>
    /// <remarks>A view made by a cache hit decodes them from the entry's array on each read.</remarks>
    public KeyValuePair<string, string>[] Headers => _headers ?? DecodeHeaders(Blob);

    /// <summary>The body: a view of this response's own array (a hit is a copy of the entry, so eviction never touches it).</summary>
    public ReadOnlyMemory<byte> Body => Blob.AsMemory(BodyOffset(Blob));

    /// <summary>Exclusive end offsets of each flush segment in <see cref="Body"/>; the last equals Body.Length.</summary>
    /// <remarks>Decoded from the entry's array on each read (replay reads them once per hit).</remarks>
    public int[] SegmentEnds => DecodeSegmentEnds(Blob);

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset ExpiresAt { get; }

    /// <summary>
    /// What the entry occupies once cached raw (see <see cref="StoredBytes"/>). A large entry kept compressed occupies
    /// less, and the cache counts that (<see cref="EntryBlock"/>).
    /// </summary>
    public long SizeBytes => StoredBytes(Blob.Length);

    /// <summary>The encoded entry: what the cache copies into its native block.</summary>
    internal byte[] Blob { get; }

    internal static CachedResponse FromBlob(byte[] blob, int statusCode, DateTimeOffset createdAt, DateTimeOffset expiresAt) =>
        new(blob, statusCode, createdAt, expiresAt);

    /// <summary>
    /// Bytes a cached entry occupies: <see cref="EntryOverheadBytes"/> plus its native block as the C allocator lays it
    /// out (an 8-byte header, 16-byte aligned, 32 bytes at least).
    /// </summary>
    internal static long StoredBytes(int blobLength) => EntryOverheadBytes + Math.Max(32L, (blobLength + 8L + 15) & ~15L);

    private static byte[] Encode(KeyValuePair<string, string>[] headers, ReadOnlySpan<byte> body, ReadOnlySpan<int> segmentEnds)
    {
        var blob = GC.AllocateUninitializedArray<byte>(EncodedLength(headers, body.Length, segmentEnds.Length));
        EncodeInto(blob, headers, body, segmentEnds);
        return blob;
    }

    /// <summary>Bytes the encoding of an entry takes (throws when it would not fit one array).</summary>
    internal static int EncodedLength(KeyValuePair<string, string>[] headers, int bodyLength, int segmentCount)
    {
        long length = FixedHeaderBytes + (4L * segmentCount) + bodyLength;
        foreach (var header in headers)
        {
            length += 8 + (2L * (header.Key.Length + header.Value.Length));
        }

        return length <= Array.MaxLength ? (int)length : throw new ArgumentOutOfRangeException(nameof(bodyLength), "A cached response must fit one array.");
    }

    /// <summary>Writes the encoding into <paramref name="span"/>, exactly <see cref="EncodedLength"/> bytes long.</summary>
    internal static void EncodeInto(Span<byte> span, KeyValuePair<string, string>[] headers, ReadOnlySpan<byte> body, ReadOnlySpan<int> segmentEnds)
    {
        var bodyOffset = span.Length - body.Length;
        BinaryPrimitives.WriteInt32LittleEndian(span, bodyOffset);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], segmentEnds.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], headers.Length);
        var offset = FixedHeaderBytes;
        foreach (var header in headers)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[offset..], header.Key.Length);
            BinaryPrimitives.WriteInt32LittleEndian(span[(offset + 4)..], header.Value.Length);
            offset += 8;
            MemoryMarshal.AsBytes(header.Key.AsSpan()).CopyTo(span[offset..]);
            offset += 2 * header.Key.Length;
            MemoryMarshal.AsBytes(header.Value.AsSpan()).CopyTo(span[offset..]);
            offset += 2 * header.Value.Length;
        }

        foreach (var end in segmentEnds)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[offset..], end);
            offset += 4;
        }

        body.CopyTo(span[offset..]);
    }

    private static int BodyOffset(byte[] blob) => BinaryPrimitives.ReadInt32LittleEndian(blob);

    private static KeyValuePair<string, string>[] DecodeHeaders(byte[] blob)
    {
        var span = blob.AsSpan();
        var headers = new KeyValuePair<string, string>[BinaryPrimitives.ReadInt32LittleEndian(span[8..])];
        var offset = FixedHeaderBytes;
        for (var i = 0; i < headers.Length; i++)
        {
            var nameChars = BinaryPrimitives.ReadInt32LittleEndian(span[offset..]);
            var valueChars = BinaryPrimitives.ReadInt32LittleEndian(span[(offset + 4)..]);
            offset += 8;
            var name = new string(MemoryMarshal.Cast<byte, char>(span.Slice(offset, 2 * nameChars)));
            offset += 2 * nameChars;
            var value = new string(MemoryMarshal.Cast<byte, char>(span.Slice(offset, 2 * valueChars)));
            offset += 2 * valueChars;
            headers[i] = new(name, value);
        }

        return headers;
    }

    private static int[] DecodeSegmentEnds(byte[] blob)
    {
        var span = blob.AsSpan();
        var count = BinaryPrimitives.ReadInt32LittleEndian(span[4..]);
        var ends = new int[count];
        var offset = BodyOffset(blob) - (4 * count);
        for (var i = 0; i < count; i++)
        {
            ends[i] = BinaryPrimitives.ReadInt32LittleEndian(span[(offset + (4 * i))..]);
        }

        return ends;
    }
}
