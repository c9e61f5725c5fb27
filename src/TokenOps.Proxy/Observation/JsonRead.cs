using System.Buffers;
using System.Text;
using System.Text.Json;

namespace TokenOps.Proxy.Observation;

/// <summary>Small allocation-free helpers over <see cref="Utf8JsonReader"/> and raw UTF-8 JSON spans.</summary>
internal static class JsonRead
{
    /// <summary>Reader at a value token: its integer, or null (containers are skipped).</summary>
    public static long? Int64(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value))
        {
            return value;
        }

        SkipContainer(ref reader);
        return null;
    }

    /// <summary>
    /// Reader at a value token: a string (or a number's text), reusing <paramref name="current"/> when equal
    /// so that repeated chunks carrying the same model/id do not allocate. Null/containers give null.
    /// </summary>
    public static string? String(ref Utf8JsonReader reader, string? current = null)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                if (current is not null && reader.ValueTextEquals(current))
                {
                    return current;
                }

                return reader.GetString();
            case JsonTokenType.Number:
                return Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan);
            case JsonTokenType.True:
                return "true";
            case JsonTokenType.False:
                return "false";
            default:
                SkipContainer(ref reader);
                return null;
        }
    }

    /// <summary>
    /// Like <see cref="String"/>, for values that repeat across requests (model names, finish reasons, statuses): a short
    /// unescaped string comes from <see cref="InternPool"/>, so it is one shared instance instead of a copy per request.
    /// </summary>
    public static string? InternedString(ref Utf8JsonReader reader, string? current = null)
    {
        if (reader.TokenType == JsonTokenType.String && !reader.HasValueSequence && !reader.ValueIsEscaped && reader.ValueSpan.Length <= InternPool.MaxBytes)
        {
            return current is not null && reader.ValueTextEquals(current) ? current : InternPool.Utf8(reader.ValueSpan);
        }

        return String(ref reader, current);
    }

    public static void SkipContainer(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
        }
    }

    /// <summary>
    /// Cheap pre-filter: does <paramref name="json"/> contain <paramref name="quotedKey"/> followed by a
    /// non-null value? False positives are harmless (the caller then parses); no false negatives for
    /// well-formed JSON because every occurrence is checked.
    /// </summary>
    public static bool HasNonNullValue(ReadOnlySpan<byte> json, ReadOnlySpan<byte> quotedKey)
    {
        while (true)
        {
            var at = json.IndexOf(quotedKey);
            if (at < 0)
            {
                return false;
            }

            json = json[(at + quotedKey.Length)..];
            var rest = SkipWs(json);
            if (!rest.IsEmpty && rest[0] == (byte)':')
            {
                rest = SkipWs(rest[1..]);
                if (!rest.IsEmpty && rest[0] != (byte)'n')
                {
                    return true;
                }
            }
        }
    }

    /// <summary>Pre-filter: <paramref name="quotedKey"/> followed by a non-empty string value.</summary>
    public static bool HasNonEmptyString(ReadOnlySpan<byte> json, ReadOnlySpan<byte> quotedKey)
    {
        while (true)
        {
            var at = json.IndexOf(quotedKey);
            if (at < 0)
            {
                return false;
            }

            json = json[(at + quotedKey.Length)..];
            var rest = SkipWs(json);
            if (!rest.IsEmpty && rest[0] == (byte)':')
            {
                rest = SkipWs(rest[1..]);
                if (rest.Length >= 2 && rest[0] == (byte)'"' && rest[1] != (byte)'"')
                {
                    return true;
                }
            }
        }
    }

    private static ReadOnlySpan<byte> SkipWs(ReadOnlySpan<byte> s)
    {
        var i = 0;
        while (i < s.Length && s[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }

        return s[i..];
    }

    /// <summary>
    /// Finds the top-level <c>"type"</c> string of a JSON object and copies it into <paramref name="destination"/>;
    /// returns its length, or 0 when absent/too long/invalid. Allocation-free.
    /// </summary>
    public static int ReadTopLevelType(ReadOnlySpan<byte> json, Span<byte> destination)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return 0;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isType = reader.ValueTextEquals("type"u8);
            if (!reader.Read())
            {
                return 0;
            }

            if (isType && reader.TokenType == JsonTokenType.String && !reader.HasValueSequence && !reader.ValueIsEscaped &&
                reader.ValueSpan.Length <= destination.Length)
            {
                reader.ValueSpan.CopyTo(destination);
                return reader.ValueSpan.Length;
            }

            reader.Skip();
        }

        return 0;
    }
}
