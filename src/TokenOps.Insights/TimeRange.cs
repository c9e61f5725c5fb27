using System.Globalization;

namespace TokenOps.Insights;

/// <summary>Parses the <c>--since</c>/<c>--until</c> values shared by the CLI, MCP tools and dashboard API.</summary>
public static class TimeRange
{
    /// <summary>
    /// Accepts a duration back from now (<c>30m</c>, <c>24h</c>, <c>7d</c>, <c>2w</c>), an ISO date (<c>2026-11-01</c>, local
    /// midnight in <paramref name="zone"/>) or an ISO timestamp with offset.
    /// </summary>
    public static bool TryParse(string? value, DateTimeOffset now, TimeZoneInfo zone, out DateTimeOffset result, out string? error)
    {
        error = null;
        result = now;
        if (string.IsNullOrWhiteSpace(value) || value == "now")
        {
            return true;
        }

        var s = value.Trim();
        var unit = char.ToLowerInvariant(s[^1]);
        if (s.Length > 1 && "mhdw".Contains(unit, StringComparison.Ordinal)
            && double.TryParse(s.AsSpan(0, s.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0)
        {
            var span = unit switch
            {
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                _ => TimeSpan.FromDays(7 * n),
            };
            result = now - span;
            return true;
        }

        if (DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
            result = new DateTimeOffset(local, zone.GetUtcOffset(local));
            return true;
        }

        if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var ts))
        {
            result = ts;
            return true;
        }

        error = $"'{value}' is not a time: use a duration like 24h, 7d, 2w, a date like 2026-11-01, or an ISO timestamp";
        return false;
    }

    /// <summary>The local calendar day of <paramref name="at"/> in <paramref name="zone"/>.</summary>
    public static DateOnly LocalDate(DateTimeOffset at, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);

    /// <summary>Local midnight of <paramref name="date"/> as an instant.</summary>
    public static DateTimeOffset StartOfDay(DateOnly date, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }
}
