using System.Text.Json;
using ConsoleAppFramework;
using TokenOps.Insights;
using TokenOps.Insights.Store;
using TokenOps.Insights.Waste;
using TokenOps.Insights.Workflow;

namespace TokenOps.Cli;

/// <summary>
/// <c>workflows</c>, <c>trace</c>, <c>waste</c>, <c>coach</c>: thin shells over TokenOps.Insights (Workflow/, Waste/). <c>--json</c>
/// prints the Insights record (the same JSON the MCP tools return). Exit codes: 0 ok, 1 no store / unknown id / bad argument.
/// </summary>
internal sealed class WasteCommands(InsightsOptions options)
{
    internal TextWriter Out { get; set; } = Console.Out;

    internal TextWriter Error { get; set; } = Console.Error;

    /// <summary>
    /// Workflows (X-TokenOps-Workflow-Id, session ids, or conversations chained by prefix) ranked by cost. With --provider or
    /// --model: the workflows with at least one matching step, their numbers counting only those steps (`trace` shows them all).
    /// </summary>
    /// <param name="since">Start: a duration back from now (24h, 7d, 2w), a date or an ISO timestamp.</param>
    /// <param name="top">Show the N most expensive workflows.</param>
    /// <param name="provider">Only workflows with a step of this provider (openai|anthropic|gemini), counting those steps.</param>
    /// <param name="model">Only workflows with a step on this model (as stored: response model, else request model), counting those steps.</param>
    /// <param name="includeDemo">Include events written by `tokenops demo`.</param>
    /// <param name="json">Print the report as JSON.</param>
    [Command("workflows")]
    public int Workflows(string since = "7d", int top = 20, string? provider = null, string? model = null, bool includeDemo = false, bool json = false)
    {
        if (!TryRange(since, out var from, out var to) || !TryProvider(ref provider))
        {
            return 1;
        }

        if (top < 1)
        {
            return Fail("--top must be at least 1");
        }

        return Run(() => new WorkflowService(options).List(from, to, includeDemo, top, provider, model), InsightsJsonContext.Default.WorkflowListReport,
            WasteRendering.Workflows, json);
    }

    /// <summary>The steps of one workflow: tokens, context growth, latency, cost, cache, and a timeline of tokens per step.</summary>
    /// <param name="id">A workflow id, a session id, or an inferred id (auto-…) from `tokenops workflows`.</param>
    /// <param name="since">How far back to look for it.</param>
    /// <param name="json">Print the trace as JSON.</param>
    [Command("trace")]
    public int Trace([Argument] string id, string since = "30d", bool json = false)
    {
        if (!TryRange(since, out var from, out var to))
        {
            return 1;
        }

        WorkflowTrace? trace;
        try
        {
            trace = new WorkflowService(options).Trace(id, from, to);
        }
        catch (Exception ex) when (ex is StoreNotFoundException or Storage.StoreUnavailableException or Microsoft.Data.Sqlite.SqliteException)
        {
            return Fail(ex.Message);
        }

        if (trace is null)
        {
            return Fail($"no workflow, session or inferred chain '{id}' in the last {since} (see `tokenops workflows`)");
        }

        return Run(() => trace, InsightsJsonContext.Default.WorkflowTrace, WasteRendering.Trace, json);
    }

    /// <summary>
    /// Waste findings ranked by estimated dollars saved, each with its evidence and the recommended fix. With --provider or
    /// --model only the matching requests are analysed.
    /// </summary>
    /// <param name="since">Start: a duration back from now (24h, 7d, 2w), a date or an ISO timestamp.</param>
    /// <param name="provider">Only analyse requests to this provider (openai|anthropic|gemini).</param>
    /// <param name="model">Only analyse requests on this model (as stored: response model, else request model).</param>
    /// <param name="includeDemo">Include events written by `tokenops demo`.</param>
    /// <param name="json">Print the report as JSON.</param>
    [Command("waste")]
    public int Waste(string since = "7d", string? provider = null, string? model = null, bool includeDemo = false, bool json = false)
    {
        if (!TryRange(since, out var from, out var to) || !TryProvider(ref provider))
        {
            return 1;
        }

        return Run(() => new WasteService(options).GetReport(from, to, includeDemo, provider, model), InsightsJsonContext.Default.WasteReport, WasteRendering.Waste, json);
    }

    /// <summary>
    /// The three highest-value recommendations in plain language, with projected monthly savings. With --provider or --model
    /// only the matching requests are analysed.
    /// </summary>
    /// <param name="since">Start: a duration back from now (24h, 7d, 2w), a date or an ISO timestamp.</param>
    /// <param name="provider">Only analyse requests to this provider (openai|anthropic|gemini).</param>
    /// <param name="model">Only analyse requests on this model (as stored: response model, else request model).</param>
    /// <param name="includeDemo">Include events written by `tokenops demo`.</param>
    /// <param name="json">Print the report as JSON.</param>
    [Command("coach")]
    public int Coach(string since = "7d", string? provider = null, string? model = null, bool includeDemo = false, bool json = false)
    {
        if (!TryRange(since, out var from, out var to) || !TryProvider(ref provider))
        {
            return 1;
        }

        return Run(() => new WasteService(options).GetCoaching(from, to, includeDemo, provider, model), InsightsJsonContext.Default.CoachReport, WasteRendering.Coach, json);
    }

    /// <summary>Normalises --provider (any case) or says which values it takes, as `spend` does.</summary>
    private bool TryProvider(ref string? provider)
    {
        if (EventFilter.TryParseProvider(provider, out provider, out var error))
        {
            return true;
        }

        Fail("--provider " + error);
        return false;
    }

    private bool TryRange(string since, out DateTimeOffset from, out DateTimeOffset to)
    {
        to = options.Time.GetUtcNow();
        if (!TimeRange.TryParse(since, to, options.TimeZone, out from, out var error))
        {
            Fail("--since: " + error);
            return false;
        }

        return true;
    }

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
        catch (Storage.StoreUnavailableException ex)
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
