using System.Globalization;
using System.Text;
using System.Text.Json;
using ConsoleAppFramework;
using TokenOps.Configuration;
using TokenOps.Insights;
using TokenOps.Storage;
using TokenOps.Storage.Queries;

namespace TokenOps.Cli;

/// <summary><c>tokenops events</c>: the newest stored events, read straight from the store the daemon writes (WAL lets both run).</summary>
internal sealed class EventsCommands(TokenOpsConfig config)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    internal TextWriter Out { get; set; } = Console.Out;

    internal TextWriter Error { get; set; } = Console.Error;

    /// <summary>Newest events as a table: time, provider, model, in/out/cached tokens, latency, status, cost.</summary>
    /// <param name="since">Start: a duration back from now (24h, 7d), a date or an ISO timestamp.</param>
    /// <param name="until">End (exclusive), same formats.</param>
    /// <param name="provider">Only this provider (openai|anthropic|gemini).</param>
    /// <param name="model">Only this model.</param>
    /// <param name="workflow">Only this workflow id.</param>
    /// <param name="limit">How many events at most (1-10000).</param>
    /// <param name="json">Print the events as JSON.</param>
    [Command("events")]
    public int Events(string since = "24h", string? until = null, string? provider = null, string? model = null, string? workflow = null, int limit = 50, bool json = false)
    {
        var now = DateTimeOffset.UtcNow;
        if (!TimeRange.TryParse(since, now, TimeZoneInfo.Local, out var from, out var error)
            || !TimeRange.TryParse(until, now, TimeZoneInfo.Local, out var to, out error))
        {
            Error.WriteLine("tokenops events: --since/--until: " + error);
            return CliExitCodes.Usage;
        }

        if (limit is < 1 or > 10_000)
        {
            Error.WriteLine("tokenops events: --limit must be between 1 and 10000");
            return CliExitCodes.Usage;
        }

        if (!Insights.Store.EventFilter.TryParseProvider(provider, out provider, out error))
        {
            Error.WriteLine("tokenops events: --provider " + error);
            return CliExitCodes.Usage;
        }

        IReadOnlyList<PromptEventRow> rows;
        try
        {
            using var queries = EventQueries.OpenReadOnly(config.Storage.Path);
            rows = queries.Recent(new EventFilter { Since = from, Until = to, Provider = provider, Model = model, Workflow = workflow, Limit = limit });
        }
        catch (StoreUnavailableException ex)
        {
            Error.WriteLine("tokenops events: " + ex.Message);
            return CliExitCodes.Failure;
        }

        if (json)
        {
            Out.WriteLine(JsonSerializer.Serialize(rows, StorageJsonContext.Default.IReadOnlyListPromptEventRow));
            return CliExitCodes.Ok;
        }

        Out.Write(Render(rows));
        return CliExitCodes.Ok;
    }

    internal static string Render(IReadOnlyList<PromptEventRow> rows)
    {
        if (rows.Count == 0)
        {
            return "No events in this range. Point an SDK at the proxy (OPENAI_BASE_URL=http://127.0.0.1:7878/openai/v1) with the store on, or run `tokenops demo`.\n";
        }

        var sb = new StringBuilder();
        sb.AppendLine(string.Create(Inv, $"{"time",-19}  {"provider",-9}  {"model",-28}  {"in",8}  {"out",7}  {"cached",7}  {"latency",9}  {"status",6}  {"cost",11}  note"));
        foreach (var r in rows)
        {
            var local = r.Timestamp.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", Inv);
            var note = r.CacheHit ? "cache hit" : r.UsageSource != "provider" ? "usage " + r.UsageSource : r.Source != "proxy" ? r.Source : "";
            if (r.ProxyError is { } proxyError)
            {
                note = proxyError;
            }

            var cost = r.CostUsd is { } c ? SpendRendering.Usd(c) : r.PricingStatus ?? "-";
            sb.AppendLine(string.Create(Inv, $"{local,-19}  {r.Provider,-9}  {Trim(r.Model ?? "?", 28),-28}  {N(r.InputTokens),8}  {N(r.OutputTokens),7}  {N(r.CachedInputTokens),7}  {r.LatencyMs,7:0.0}ms  {r.StatusCode,6}  {cost,11}  {note}"));
        }

        return sb.ToString();
    }

    private static string N(long? value) => value is { } v ? v.ToString("#,0", Inv) : "-";

    private static string Trim(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
}
