using System.IO.Compression;
using System.Text;

namespace TokenOps.Testing.Fakes;

/// <summary>
/// What a <see cref="FakeUpstream"/> answers: status, headers and a body made of parts (SSE events or one JSON
/// document), with knobs for awkward delivery. Records are immutable: tweak with <c>with { ... }</c>.
/// </summary>
public sealed record FakeResponse
{
    public int StatusCode { get; init; } = 200;

    public string ContentType { get; init; } = "application/json";

    /// <summary>Extra response headers (e.g. x-request-id).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Body parts, written in order (one SSE event each for streams).</summary>
    public IReadOnlyList<byte[]> Parts { get; init; } = [];

    /// <summary>Pause before every part but the first (real time: this is upstream behaviour, not test logic).</summary>
    public TimeSpan DelayBetweenParts { get; init; }

    /// <summary>Write (and flush) the body in pieces of this many bytes, splitting events mid-way; null = one write per part.</summary>
    public int? ChunkSize { get; init; }

    /// <summary>gzip the whole body (Content-Encoding: gzip); chunking then applies to the compressed bytes.</summary>
    public bool Gzip { get; init; }

    /// <summary>Send a Content-Length header (default for non-streaming bodies); streams go chunked.</summary>
    public bool SendContentLength { get; init; } = true;

    /// <summary>Never send headers: hang until the client goes away.</summary>
    public bool StallBeforeHeaders { get; init; }

    /// <summary>Send the first N parts, then hang until the client goes away.</summary>
    public int? StallAfterParts { get; init; }

    /// <summary>The exact body bytes as they go on the wire (after gzip when set).</summary>
    public byte[] WireBody()
    {
        var plain = PlainBody();
        return Gzip ? Compress(plain) : plain;
    }

    /// <summary>The body before compression.</summary>
    public byte[] PlainBody()
    {
        var total = 0;
        foreach (var p in Parts)
        {
            total += p.Length;
        }

        var body = new byte[total];
        var offset = 0;
        foreach (var p in Parts)
        {
            p.CopyTo(body, offset);
            offset += p.Length;
        }

        return body;
    }

    public static FakeResponse Json(string json, int statusCode = 200) => new()
    {
        StatusCode = statusCode,
        ContentType = "application/json",
        Parts = [Encoding.UTF8.GetBytes(json)],
    };

    public static FakeResponse EventStream(IEnumerable<string> events) => new()
    {
        ContentType = "text/event-stream",
        SendContentLength = false,
        Parts = [.. events.Select(e => Encoding.UTF8.GetBytes(e))],
    };

    public static byte[] Compress(byte[] plain)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(plain);
        }

        return output.ToArray();
    }
}
