using System.Text;

namespace TokenOps.Proxy.Observation;

/// <summary>
/// Shares the strings that repeat on every request — model names, finish reasons, credential hashes — instead of
/// allocating a fresh copy per request. Each copy lived as long as its event's workflow step (seconds), so per-request
/// duplicates of the same few words were long-lived young objects that every gen0 collection had to copy.
/// </summary>
/// <remarks>
/// A direct-mapped table of <see cref="Slots"/> strings: a lookup hashes the value, compares it with the one string in
/// its slot and returns that string when equal; otherwise it makes a new string and puts it in the slot. Reference
/// writes are atomic, so racing threads at worst replace each other's entry; any string returned equals the input.
/// High-cardinality values (ids) do not come here: they would only churn the table.
/// </remarks>
internal static class InternPool
{
    internal const int MaxBytes = 64;
    private const int Slots = 256;

    private static readonly string?[] Utf8Strings = new string?[Slots];
    private static readonly string?[] HexStrings = new string?[Slots];

    /// <summary>The string of these UTF-8 bytes, shared with earlier calls for the same bytes while it stays in its slot.</summary>
    public static string Utf8(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxBytes)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        Span<char> chars = stackalloc char[MaxBytes];
        var length = Encoding.UTF8.GetChars(utf8, chars);
        return Chars(Utf8Strings, chars[..length]);
    }

    /// <summary>Lowercase hex of <paramref name="bytes"/>, shared like <see cref="Utf8"/> when it is at most <see cref="MaxBytes"/> characters.</summary>
    public static string Hex(ReadOnlySpan<byte> bytes)
    {
        Span<char> chars = stackalloc char[MaxBytes];
        return Convert.TryToHexStringLower(bytes, chars, out var written)
            ? Chars(HexStrings, chars[..written])
            : Convert.ToHexStringLower(bytes);
    }

    private static string Chars(string?[] table, ReadOnlySpan<char> chars)
    {
        ref var slot = ref table[string.GetHashCode(chars) & (Slots - 1)];
        var existing = Volatile.Read(ref slot);
        if (existing is not null && chars.SequenceEqual(existing))
        {
            return existing;
        }

        var created = new string(chars);
        Volatile.Write(ref slot, created);
        return created;
    }
}
