using System.Buffers.Binary;
using System.Numerics;

namespace TokenOps.Insights.Workflow;

/// <summary>
/// A hash column of a step (<c>prompt_hash</c>, <c>messages_hash</c>, <c>parent_messages_hash</c>, <c>last_tool_call_hash</c>)
/// as a value. The proxy writes them as lower-case hex (64 digits for the prompt, 32 for the others); such a value is kept as
/// its bytes, in the struct, so a row holds its hashes without four strings of its own (a million rows held at once by a
/// 30-day report were ~0.4 GB of hash strings). Any other text (an older or foreign row) is kept as the string itself.
/// Two fingerprints are equal exactly when their texts are (<see cref="ToText"/> gives the text back).
/// </summary>
internal readonly struct Fingerprint : IEquatable<Fingerprint>
{
    /// <summary>Longest hex text packed: 64 digits (SHA-256).</summary>
    public const int MaxPackedDigits = 64;

    // Packed: one shared marker per length, so the length costs no field of its own and compares by reference.
    private static readonly PackedLength[] Lengths = CreateLengths();

    private readonly ulong _w0, _w1, _w2, _w3; // the bytes, big-endian, zero-padded
    private readonly object? _form;            // null: no value; PackedLength: packed bytes; string: kept as is

    private Fingerprint(ulong w0, ulong w1, ulong w2, ulong w3, object form) => (_w0, _w1, _w2, _w3, _form) = (w0, w1, w2, w3, form);

    /// <summary>No value (the column was NULL).</summary>
    public bool IsNone => _form is null;

    /// <summary>The value was lower-case hex and is held as bytes (<see cref="Bytes"/>).</summary>
    public bool IsPacked => _form is PackedLength;

    public static implicit operator Fingerprint(string? text) => From(text);

    public static bool operator ==(Fingerprint left, Fingerprint right) => left.Equals(right);

    public static bool operator !=(Fingerprint left, Fingerprint right) => !left.Equals(right);

    public static Fingerprint From(string? text)
    {
        if (text is null)
        {
            return default;
        }

        Span<byte> bytes = stackalloc byte[MaxPackedDigits / 2];
        return TryPack(text.AsSpan(), bytes, out var length) ? Packed(bytes, length) : new Fingerprint(0, 0, 0, 0, text);
    }

    /// <summary>From the column's UTF-8 text: no string is made for a packed value.</summary>
    public static Fingerprint FromUtf8(ReadOnlySpan<byte> utf8)
    {
        Span<byte> bytes = stackalloc byte[MaxPackedDigits / 2];
        return TryPack(utf8, bytes, out var length)
            ? Packed(bytes, length)
            : new Fingerprint(0, 0, 0, 0, System.Text.Encoding.UTF8.GetString(utf8));
    }

    /// <summary>The text: rebuilt for a packed value (lower-case hex), the kept string otherwise; null for no value.</summary>
    public string? ToText()
    {
        if (_form is PackedLength packed)
        {
            Span<byte> bytes = stackalloc byte[MaxPackedDigits / 2];
            Write(bytes);
            return Convert.ToHexStringLower(bytes[..packed.Bytes]);
        }

        return (string?)_form;
    }

    /// <summary>The packed bytes (empty unless <see cref="IsPacked"/>): <paramref name="destination"/> holds 32.</summary>
    public ReadOnlySpan<byte> Bytes(Span<byte> destination)
    {
        if (_form is not PackedLength packed)
        {
            return default;
        }

        Write(destination);
        return destination[..packed.Bytes];
    }

    public bool Equals(Fingerprint other) =>
        _w0 == other._w0 && _w1 == other._w1 && _w2 == other._w2 && _w3 == other._w3
        && (ReferenceEquals(_form, other._form) || (_form is string a && other._form is string b && string.Equals(a, b, StringComparison.Ordinal)));

    public override bool Equals(object? obj) => obj is Fingerprint other && Equals(other);

    public override int GetHashCode() => _form is string text
        ? StringComparer.Ordinal.GetHashCode(text)
        : HashCode.Combine(_w0, _w1, _w2, _w3, _form is PackedLength p ? p.Bytes : -1);

    public override string ToString() => ToText() ?? "";

    private void Write(Span<byte> bytes)
    {
        BinaryPrimitives.WriteUInt64BigEndian(bytes, _w0);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], _w1);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[16..], _w2);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[24..], _w3);
    }

    private static Fingerprint Packed(Span<byte> bytes, int length)
    {
        bytes[length..].Clear();
        return new Fingerprint(
            BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]), BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]), Lengths[length]);
    }

    /// <summary>
    /// Lower-case hex of an even, non-zero number of digits up to <see cref="MaxPackedDigits"/>: the proxy's form. Over UTF-16
    /// text or the column's UTF-8 bytes alike (hex digits are single code units in both).
    /// </summary>
    private static bool TryPack<T>(ReadOnlySpan<T> text, Span<byte> bytes, out int length)
        where T : unmanaged, IBinaryInteger<T>
    {
        length = text.Length / 2;
        if (text.Length is 0 or > MaxPackedDigits || text.Length % 2 != 0)
        {
            return false;
        }

        for (var i = 0; i < length; i++)
        {
            var high = Nibble(int.CreateTruncating(text[2 * i]));
            var low = Nibble(int.CreateTruncating(text[(2 * i) + 1]));
            if ((high | low) < 0)
            {
                return false;
            }

            bytes[i] = (byte)((high << 4) | low);
        }

        return true;
    }

    /// <summary>0-15 for <c>0-9a-f</c>, -1 for anything else (upper case included: it would not print back the same).</summary>
    private static int Nibble(int c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };

    private static PackedLength[] CreateLengths()
    {
        var lengths = new PackedLength[(MaxPackedDigits / 2) + 1];
        for (var i = 0; i < lengths.Length; i++)
        {
            lengths[i] = new PackedLength(i);
        }

        return lengths;
    }

    private sealed class PackedLength(int bytes)
    {
        public int Bytes { get; } = bytes;
    }
}
