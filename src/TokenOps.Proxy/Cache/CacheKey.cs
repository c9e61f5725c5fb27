using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace TokenOps.Proxy.Cache;

/// <summary>
/// sha256 over provider, method, path with query, a hash of the credential, and the body. Each text part
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

    public static CacheKey Compute(string provider, string method, string pathAndQuery, string? credentialHash, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendText(hash, provider);
        AppendText(hash, method);
        AppendText(hash, pathAndQuery);
        AppendText(hash, credentialHash ?? "");
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(length, body.Length);
        hash.AppendData(length);
        hash.AppendData(body);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return new CacheKey(digest);
    }

    private static void AppendText(IncrementalHash hash, string text)
    {
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetMaxByteCount(text.Length) <= buffer.Length - 4
            ? buffer
            : new byte[Encoding.UTF8.GetMaxByteCount(text.Length) + 4];
        var written = Encoding.UTF8.GetBytes(text, bytes[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(bytes, written);
        hash.AppendData(bytes[..(written + 4)]);
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
