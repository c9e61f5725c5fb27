using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace TokenOps.Proxy.Cache;

/// <summary>
/// sha256 over provider, method, path with query, a hash of the credential, and (the sha256 of) the body. Each text part
/// is length-prefixed so that ("ab","c") and ("a","bc") never collide. The credential itself never enters
/// the cache: only its hash does, so two API keys never share entries.
/// </summary>
public readonly struct CacheKey : IEquatable<CacheKey>
{
    private readonly ulong _a;
    private readonly ulong _b;
    private readonly ulong _c;
    private readonly ulong _d;

    private CacheKey(ReadOnlySpan<byte> hash)
    {
        _a = BinaryPrimitives.ReadUInt64LittleEndian(hash);
        _b = BinaryPrimitives.ReadUInt64LittleEndian(hash[8..]);
        _c = BinaryPrimitives.ReadUInt64LittleEndian(hash[16..]);
        _d = BinaryPrimitives.ReadUInt64LittleEndian(hash[24..]);
    }

    /// <remarks>
    /// Allocation-free: the body is hashed once with the one-shot SHA-256, then the length-prefixed parts and that
    /// body digest are hashed from a stack buffer (a pooled one for very long paths).
    /// </remarks>
    public static CacheKey Compute(string provider, string method, string pathAndQuery, string? credentialHash, ReadOnlySpan<byte> body)
    {
        Span<byte> bodyDigest = stackalloc byte[32];
        SHA256.HashData(body, bodyDigest);
        credentialHash ??= "";
        var max = (4 * 4) + Encoding.UTF8.GetMaxByteCount(provider.Length + method.Length + pathAndQuery.Length + credentialHash.Length) + 8 + 32;
        byte[]? rented = null;
        var buffer = max <= 1024 ? stackalloc byte[1024] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var offset = 0;
            offset += WritePart(buffer[offset..], provider);
            offset += WritePart(buffer[offset..], method);
            offset += WritePart(buffer[offset..], pathAndQuery);
            offset += WritePart(buffer[offset..], credentialHash);
            BinaryPrimitives.WriteInt64LittleEndian(buffer[offset..], body.Length);
            offset += 8;
            bodyDigest.CopyTo(buffer[offset..]);
            offset += 32;
            Span<byte> digest = stackalloc byte[32];
            SHA256.HashData(buffer[..offset], digest);
            return new CacheKey(digest);
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static int WritePart(Span<byte> destination, string text)
    {
        var written = Encoding.UTF8.GetBytes(text, destination[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(destination, written);
        return written + 4;
    }

    public static CacheKey FromHex(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        if (bytes.Length != 32)
        {
            throw new FormatException("A cache key is 32 bytes (64 hex digits).");
        }

        return new CacheKey(bytes);
    }

    public string ToHex()
    {
        Span<byte> bytes = stackalloc byte[32];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, _a);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], _b);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[16..], _c);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[24..], _d);
        return Convert.ToHexStringLower(bytes);
    }

    public bool Equals(CacheKey other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    public override bool Equals(object? obj) => obj is CacheKey other && Equals(other);

    // The key is already a uniformly distributed hash: any 64 bits of it are a good hash code.
    public override int GetHashCode() => (int)_a ^ (int)(_a >> 32);

    public static bool operator ==(CacheKey left, CacheKey right) => left.Equals(right);

    public static bool operator !=(CacheKey left, CacheKey right) => !left.Equals(right);

    public override string ToString() => ToHex();
}
