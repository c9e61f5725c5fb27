using System.Globalization;
using System.Text;
using System.Text.Json;
using ConsoleAppFramework;
using TokenOps.Insights;
using TokenOps.Insights.Latency;
using TokenOps.Insights.Store;

namespace TokenOps.Cli;

/// <summary><c>tokenops latency</c>: p50/p95/p99 latency and time to first token per provider/model (the dashboard's latency view).</summary>
internal sealed class LatencyCommands(InsightsOptions options)
{
    internal TextWriter Out { get; set; } = Console.Out;

    internal TextWriter Error { get; set; } = Console.Error;

    /// <summary>Latency and time-to-first-token percentiles per provider/model (cache hits excluded).</summary>
    /// <param name="since">Start: a duration back from now (24h, 7d), a date or an ISO timestamp.</param>
    /// <param name="until">End (exclusive), same formats; default now.</param>
    /// <param name="provider">Only this provider (openai|anthropic|gemini).</param>
    /// <param name="model">Only this model.</param>
    /// <param name="includeDemo">Include events written by `tokenops demo`.</param>
    /// <param name="json">Print the report as JSON.</param>
    [Command("latency")]
    public int Latency(string since = "7d", string? until = null, string? provider = null, string? model = null, bool includeDemo = false, bool json = false)
    {
        var now = options.Time.GetUtcNow();
        if (!TimeRange.TryParse(since, now, options.TimeZone, out var from, out var error)
            || !TimeRange.TryParse(until, now, options.TimeZone, out var to, out error))
        {
            Error.WriteLine("tokenops: --since/--until: " + error);
            return 1;
        }

        if (!EventFilter.TryParseProvider(provider, out provider, out error))
        {
            Error.WriteLine("tokenops: --provider " + error);
            return 1;
        }

        LatencyReport report;
        try
        {
            report = new LatencyService(options).GetReport(new EventFilter { Since = from, Until = to, Provider = provider, Model = model, IncludeDemo = includeDemo });
        }
        catch (StoreNotFoundException ex)
        {
            Error.WriteLine("tokenops: " + ex.Message);
            return 1;
        }

        Out.Write(json ? JsonSerializer.Serialize(report, InsightsJsonContext.Default.LatencyReport) + "\n" : Render(report));
        return 0;
    }

    internal static string Render(LatencyReport report)
    {
        var sb = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        sb.Append(c, $"{"provider/model",-40} {"requests",9} {"p50",8} {"p95",8} {"p99",8} {"ttft p50",9} {"ttft p95",9}\n");
        foreach (var g in (List<LatencyGroup>)[.. report.Groups, report.Overall])
        {
            var name = g.Provider == "(all)" ? "(all)" : g.Provider + "/" + g.Model;
            var t = g.TimeToFirstToken;
            sb.Append(c, $"{name,-40} {g.Latency.Count,9:#,0} {Ms(g.Latency.P50Ms),8} {Ms(g.Latency.P95Ms),8} {Ms(g.Latency.P99Ms),8} {(t is null ? "-" : Ms(t.P50Ms)),9} {(t is null ? "-" : Ms(t.P95Ms)),9}\n");
        }

        sb.Append(c, $"percentiles within ±{report.RelativeError * 100:0.#}% (histogram); cache hits excluded\n");
        return sb.ToString();
    }

    private static string Ms(double ms) => ms >= 1000
        ? (ms / 1000).ToString("0.00", CultureInfo.InvariantCulture) + "s"
        : ms.ToString("0", CultureInfo.InvariantCulture) + "ms";
}
