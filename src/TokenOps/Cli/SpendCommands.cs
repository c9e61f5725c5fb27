using System.Text.Json;
using ConsoleAppFramework;
using TokenOps.Core.Pricing;
using TokenOps.Insights;
using TokenOps.Insights.Budgets;
using TokenOps.Insights.Demo;
using TokenOps.Insights.Forecast;
using TokenOps.Insights.Spend;
using TokenOps.Insights.Store;

namespace TokenOps.Cli;

/// <summary>
/// <c>spend</c>, <c>forecast</c>, <c>budget</c>, <c>pricing show|check</c>, <c>demo</c>: thin shells over TokenOps.Insights.
/// <c>--json</c> prints the Insights record through the source-generated <see cref="InsightsJsonContext"/> (the same JSON
/// the MCP tools return). Exit codes: 0 ok, 1 no store / bad argument.
/// </summary>
internal sealed class SpendCommands(InsightsOptions options)
{
    internal TextWriter Out { get; set; } = Console.Out;

    internal TextWriter Error { get; set; } = Console.Error;

    /// <summary>Spend totals, a table per group, the last-24-h burn rate and a chart of daily cost. Cache hits show as money saved.</summary>
    /// <param name="since">Start: a duration back from now (24h, 7d, 2w), a date (2026-11-01) or an ISO timestamp.</param>
    /// <param name="until">End (exclusive), same formats; default now.</param>
    /// <param name="by">Group by model|provider|day|hour|workflow|agent|session.</param>
    /// <param name="top">Show the N most expensive groups.</param>
    /// <param name="provider">Only this provider (openai|anthropic|gemini).</param>
    /// <param name="model">Only this model (as stored: response model, else request model).</param>
    /// <param name="workflow">Only this workflow id.</param>
    /// <param name="agent">Only this agent id.</param>
    /// <param name="includeDemo">Include events written by `tokenops demo`.</param>
    /// <param name="json">Print the report as JSON.</param>
    [Command("spend")]
    public int Spend(string since = "7d", string? until = null, string by = "model", int top = 10, string? provider = null,
        string? model = null, string? workflow = null, string? agent = null, bool includeDemo = false, bool json = false)
    {
        var now = options.Time.GetUtcNow();
        if (!TimeRange.TryParse(since, now, options.TimeZone, out var from, out var error)
            || !TimeRange.TryParse(until, now, options.TimeZone, out var to, out error))
        {
            return Fail("--since/--until: " + error);
        }

        if (!SpendGroupings.All.Contains(by))
        {
            return Fail($"--by must be one of {string.Join("|", SpendGroupings.All)}");
        }

        if (top < 1)
        {
            return Fail("--top must be at least 1");
        }

        if (!EventFilter.TryParseProvider(provider, out provider, out var providerError))
        {
            return Fail("--provider " + providerError);
        }

        var query = new SpendQuery
        {
            Filter = new EventFilter { Since = from, Until = to, Provider = provider, Model = model, Workflow = workflow, Agent = agent, IncludeDemo = includeDemo },
            GroupBy = by,
            Top = top,
        };
        return Run(() => new SpendService(options).GetReport(query), InsightsJsonContext.Default.SpendReport, SpendRendering.Spend, json);
    }

    /// <summary>Daily cost forecast with 80% and 95% bands and the projected month-end total.</summary>
    /// <param name="days">Days to forecast (7..90).</param>
    /// <param name="provider">Only this provider (openai|anthropic|gemini).</param>
    /// <param name="model">Only this model.</param>
    /// <param name="includeDemo">Include events written by `tokenops demo`.</param>
    /// <param name="json">Print the report as JSON.</param>
    [Command("forecast")]
    public int Forecast(int days = 14, string? provider = null, string? model = null, bool includeDemo = false, bool json = false)
    {
        if (days is < 7 or > 90)
        {
            return Fail("--days must be between 7 and 90");
        }

        if (!EventFilter.TryParseProvider(provider, out provider, out var providerError))
        {
            return Fail("--provider " + providerError);
        }

        return Run(() => new ForecastService(options).GetForecast(days, includeDemo, provider, model), InsightsJsonContext.Default.ForecastReport, SpendRendering.Forecast, json);
    }

    /// <summary>Each configured budget: actual, forecast for the window, state and projected breach date.</summary>
    /// <param name="json">Print the report as JSON.</param>
    [Command("budget")]
    public int Budget(bool json = false) =>
        Run(() => new BudgetService(options).GetReport(), InsightsJsonContext.Default.BudgetReport, SpendRendering.Budgets, json);

    /// <summary>Shows the rate card rows (all, or the one a model name resolves to).</summary>
    /// <param name="model">A model name as an SDK sends it, e.g. gpt-4o-2024-08-06 or models/gemini-2.5-flash.</param>
    /// <param name="provider">Restrict to one provider.</param>
    /// <param name="json">Print the rows as JSON (the schema pricing.overrides accepts).</param>
    [Command("pricing show")]
    public int PricingShow([Argument] string? model = null, string? provider = null, bool json = false)
    {
        var card = options.RateCard;
        var rows = new List<RateRow>();
        string? matchKind = null;
        if (model is not null)
        {
            foreach (var p in (ReadOnlySpan<string>)["openai", "anthropic", "gemini"])
            {
                if ((provider is null || provider == p) && card.Find(p, model) is { } match)
                {
                    rows.Add(match.Row);
                    matchKind ??= match.MatchKind;
                }
            }
        }
        else
        {
            foreach (var row in card.Rows)
            {
                if (provider is null || row.Provider == provider)
                {
                    rows.Add(row);
                }
            }
        }

        var report = new PricingShowReport { RateCardVersion = card.Version, Query = model, MatchKind = matchKind, Rows = rows };
        var code = Run(() => report, InsightsJsonContext.Default.PricingShowReport, SpendRendering.Pricing, json);
        return model is not null && rows.Count == 0 ? 1 : code;
    }

    /// <summary>Lists models seen in the store that the rate card cannot price.</summary>
    /// <param name="json">Print the report as JSON.</param>
    [Command("pricing check")]
    public int PricingCheck(bool json = false) =>
        Run(() => new SpendService(options).CheckPricing(), InsightsJsonContext.Default.PricingCheckReport, SpendRendering.PricingCheck, json);

    /// <summary>Seeds realistic synthetic events (source=demo) so spend/forecast/waste have something to show. Reports hide them unless --include-demo.</summary>
    /// <param name="days">Days of traffic to generate, ending now.</param>
    /// <param name="seed">Random seed (same seed, same events).</param>
    /// <param name="json">Print a summary as JSON.</param>
    [Command("demo")]
    public async Task<int> Demo(int days = 14, int seed = DemoGenerator.DefaultSeed, bool json = false, CancellationToken cancellationToken = default)
    {
        if (days is < 1 or > 366)
        {
            return Fail("--days must be between 1 and 366");
        }

        if (options.OpenStoreWriter is null)
        {
            return Fail("this build has no store writer; enable storage (storage.enabled=true) and try again");
        }

        var envelopes = new DemoGenerator(new CostCalculator(options.RateCard)).Generate(days, options.Time.GetUtcNow(), seed);
        var sink = options.OpenStoreWriter();
        try
        {
            await WriteDemoAsync(envelopes, sink, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            (sink as IDisposable)?.Dispose();
        }

        decimal cost = 0, saved = 0;
        foreach (var e in envelopes)
        {
            cost += e.Prompt?.CostUsd ?? 0;
            saved += e.Prompt?.SavedUsd ?? 0;
        }

        var report = new DemoReport { StorePath = options.StorePath, Days = days, Events = envelopes.Count, CostUsd = cost, SavedUsd = saved };
        return Run(() => report, InsightsJsonContext.Default.DemoReport, static r =>
            $"Wrote {r.Events:#,0} demo events over {r.Days} days to {r.StorePath} ({SpendRendering.Usd(r.CostUsd)} spent, {SpendRendering.Usd(r.SavedUsd)} saved by cache).\n"
            + "See them with: tokenops spend --include-demo   tokenops forecast --include-demo   tokenops waste --include-demo\n", json);
    }

    /// <summary>The one place demo data reaches the store: through the real sink (the SQLite writer in the daemon).</summary>
    internal static Task<int> WriteDemoAsync(IReadOnlyList<Core.Events.Envelope> envelopes, Core.Bus.IEventSink sink, CancellationToken cancellationToken) =>
        DemoSeeder.WriteToSinkAsync(envelopes, sink, cancellationToken);

    private int Run<T>(Func<T> query, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, Func<T, string> render, bool json)
    {
        T report;
        try
        {
            report = query();
        }
        catch (StoreNotFoundException ex)
        {
            return Fail(ex.Message);
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            return Fail($"cannot read the event store '{options.StorePath}': {ex.Message}");
        }

        Out.Write(json ? JsonSerializer.Serialize(report, typeInfo) + "\n" : render(report));
        return 0;
    }

    private int Fail(string message)
    {
        Error.WriteLine("tokenops: " + message);
        return 1;
    }
}
