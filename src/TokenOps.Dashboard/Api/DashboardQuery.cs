using System.Globalization;
using Microsoft.AspNetCore.Http;
using TokenOps.Insights;
using TokenOps.Insights.Store;

namespace TokenOps.Dashboard.Api;

/// <summary>
/// The query string every view shares: <c>since</c>/<c>until</c> (the CLI's formats: 24h, 7d, 2026-11-01, ISO),
/// <c>provider</c> (openai|anthropic|gemini, any case; anything else answers 400), <c>model</c>, <c>include_demo</c> (1/true).
/// Same defaults and checks as <c>tokenops spend</c>.
/// </summary>
internal static class DashboardQuery
{
    public static bool TryParse(HttpRequest request, InsightsOptions options, out EventFilter filter, out string? error)
    {
        var now = options.Time.GetUtcNow();
        var query = request.Query;
        filter = null!;
        if (!TimeRange.TryParse(Get(query, "since") ?? "7d", now, options.TimeZone, out var since, out error)
            || !TimeRange.TryParse(Get(query, "until"), now, options.TimeZone, out var until, out error))
        {
            return false;
        }

        if (until <= since)
        {
            error = "until must be after since";
            return false;
        }

        if (!EventFilter.TryParseProvider(Get(query, "provider"), out var provider, out error))
        {
            error = "provider " + error;
            return false;
        }

        filter = new EventFilter
        {
            Since = since,
            Until = until,
            Provider = provider,
            Model = Get(query, "model"),
            IncludeDemo = Flag(query, "include_demo"),
        };
        return true;
    }

    public static string? Get(IQueryCollection query, string name)
    {
        var value = query[name].ToString();
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    public static bool Flag(IQueryCollection query, string name) => Get(query, name) is "1" or "true" or "yes" or "on";

    public static int Int(IQueryCollection query, string name, int fallback, int min, int max) =>
        int.TryParse(Get(query, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? Math.Clamp(v, min, max) : fallback;
}
