using System.Buffers;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace TokenOps.Proxy.Cache;

/// <summary>
/// An entry's bytes as the cache keeps them: one native block, Brotli-compressed when the entry is large enough for that
/// to pay (<see cref="CompressMinBytes"/>) and it shrinks by a quarter at least.
/// </summary>
/// <remarks>
/// A streamed reply is mostly the same JSON envelope repeated per token (id, model, fingerprint, choice index): ~230 bytes
/// of SSE per token for OpenAI, so 500 tokens take ~115 KB, which Brotli at quality 1 takes to a tenth or less. Entries
/// below the threshold (a typical chat completion) are kept raw: compressing them would cost more CPU than it saves
/// memory. Compression runs once, when a response completes; a hit decompresses into the copy it gets anyway.
/// </remarks>
internal readonly record struct EntryBlock(nint Data, int StoredLength, int OriginalLength)
{
    internal const int CompressMinBytes = 4096;
    private const int Quality = 1;
    private const int Window = 22;

    /// <summary>Copies (and compresses when worth it) <paramref name="blob"/> into a new native block.</summary>
    public static EntryBlock Pack(byte[] blob) => Pack(blob, blob.Length);

    /// <summary>Copies (and compresses when worth it) the first <paramref name="length"/> bytes of <paramref name="buffer"/>
    /// (a pooled buffer's) into a new native block.</summary>
    public static EntryBlock Pack(byte[] buffer, int length)
    {
        var blob = buffer.AsSpan(0, length);
        if (blob.Length >= CompressMinBytes)
        {
            var bound = BrotliEncoder.GetMaxCompressedLength(blob.Length);
            var rented = ArrayPool<byte>.Shared.Rent(bound);
            try
            {
                if (BrotliEncoder.TryCompress(blob, rented, out var written, Quality, Window) && written <= blob.Length - (blob.Length / 4))
                {
                    return new EntryBlock(Copy(rented, written), written, blob.Length);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        return new EntryBlock(Copy(buffer, length), length, length);
    }

    /// <summary>The entry's bytes as one new array (the hit's own copy).</summary>
    public byte[] Unpack()
    {
        var copy = GC.AllocateUninitializedArray<byte>(OriginalLength);
        if (StoredLength == OriginalLength)
        {
            Marshal.Copy(Data, copy, 0, OriginalLength);
            return copy;
        }

        var compressed = ArrayPool<byte>.Shared.Rent(StoredLength);
        try
        {
            Marshal.Copy(Data, compressed, 0, StoredLength);
            if (!BrotliDecoder.TryDecompress(compressed.AsSpan(0, StoredLength), copy, out var written) || written != OriginalLength)
            {
                throw new InvalidDataException("A cached entry did not decompress to its recorded length.");
            }

            return copy;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(compressed);
        }
    }

    public void Free() => Marshal.FreeHGlobal(Data);

    private static nint Copy(byte[] source, int length)
    {
        var data = Marshal.AllocHGlobal(Math.Max(1, length));
        Marshal.Copy(source, 0, data, length);
        return data;
    }
}
