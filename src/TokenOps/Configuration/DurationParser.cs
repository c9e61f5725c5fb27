using System.Globalization;

namespace TokenOps.Configuration;

/// <summary>
/// Durations as people write them: <c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>2d</c>, and sums such as
/// <c>1h30m</c>. A bare number is refused: "10" could mean seconds or milliseconds.
/// </summary>
internal static class DurationParser
{
    public const string Expected = "a duration like 30s, 5m, 1h";

    public static bool TryParse(ReadOnlySpan<char> text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        text = text.Trim();
        if (text.IsEmpty)
        {
            return false;
        }

        double totalMs = 0;
        while (!text.IsEmpty)
        {
            var digits = 0;
            while (digits < text.Length && (char.IsAsciiDigit(text[digits]) || text[digits] == '.'))
            {
                digits++;
            }

            if (digits == 0 || !double.TryParse(text[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            text = text[digits..];
            var unitLength = 0;
            while (unitLength < text.Length && char.IsAsciiLetter(text[unitLength]))
            {
                unitLength++;
            }

            double unitMs;
            switch (text[..unitLength])
            {
                case "ms": unitMs = 1; break;
                case "s": unitMs = 1_000; break;
                case "m": unitMs = 60_000; break;
                case "h": unitMs = 3_600_000; break;
                case "d": unitMs = 86_400_000; break;
                default: return false;
            }

            totalMs += number * unitMs;
            text = text[unitLength..];
        }

        if (totalMs > TimeSpan.MaxValue.TotalMilliseconds)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }

    /// <summary>Shortest exact form, e.g. 10m, 1h30m, 250ms (used by <c>config show</c>).</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        var ms = (long)value.TotalMilliseconds;
        var result = string.Empty;
        (long Ms, string Unit)[] units = [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1_000, "s"), (1, "ms")];
        foreach (var (unitMs, unit) in units)
        {
            if (ms >= unitMs)
            {
                result += (ms / unitMs).ToString(CultureInfo.InvariantCulture) + unit;
                ms %= unitMs;
            }
        }

        return result;
    }
}

/// <summary>Byte sizes: a JSON number of bytes or a string like <c>512KB</c>, <c>256MB</c>, <c>1GB</c> (powers of 1024).</summary>
internal static class SizeParser
{
    public const string Expected = "a size like 64MB, 1GB or a number of bytes";

    public static bool TryParse(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        text = text.Trim();
        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }

        if (digits == 0 || !long.TryParse(text[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        var unit = text[digits..].Trim();
        long multiplier;
        if (unit.IsEmpty || unit.Equals("B", StringComparison.OrdinalIgnoreCase))
        {
            multiplier = 1;
        }
        else if (unit.Equals("KB", StringComparison.OrdinalIgnoreCase) || unit.Equals("KiB", StringComparison.OrdinalIgnoreCase))
        {
            multiplier = 1L << 10;
        }
        else if (unit.Equals("MB", StringComparison.OrdinalIgnoreCase) || unit.Equals("MiB", StringComparison.OrdinalIgnoreCase))
        {
            multiplier = 1L << 20;
        }
        else if (unit.Equals("GB", StringComparison.OrdinalIgnoreCase) || unit.Equals("GiB", StringComparison.OrdinalIgnoreCase))
        {
            multiplier = 1L << 30;
        }
        else
        {
            return false;
        }

        if (number > long.MaxValue / multiplier)
        {
            return false;
        }

        value = number * multiplier;
        return true;
    }
}
