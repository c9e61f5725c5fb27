using System.IO.Compression;

namespace TokenOps.Storage;

/// <summary>Captured bodies are stored gzip-compressed (JSON/SSE compresses ~5-10x).</summary>
internal static class BodyCodec
{
    public static byte[] Compress(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream(data.Length / 4 + 64);
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    public static byte[] Decompress(byte[] data)
    {
        using var input = new MemoryStream(data);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream(data.Length * 4);
        gzip.CopyTo(output);
        return output.ToArray();
    }
}
