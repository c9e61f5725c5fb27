using Microsoft.AspNetCore.Builder;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using TokenOps.Dashboard.Live;
using TokenOps.Insights;
using TokenOps.Insights.Budgets;
using TokenOps.Insights.Forecast;
using TokenOps.Insights.Latency;
using TokenOps.Insights.Spend;
using TokenOps.Insights.Store;
using TokenOps.Insights.Waste;
using TokenOps.Insights.Workflow;
using TokenOps.Storage.Queries;

namespace TokenOps.Dashboard.Api;

/// <summary>
/// The JSON API behind the page, under /api/dashboard. Every report is the Insights record the CLI prints with <c>--json</c>,
/// computed by the same function and serialized by the same <see cref="InsightsJsonContext"/>, so the page and the CLI agree
/// to the micro-dollar. Aggregation happens in SQL; only the feed endpoints return rows (the newest N).
/// RequestDelegate endpoints only: no reflection-based parameter binding, so the library stays trim/AOT clean.
/// </summary>
internal static class DashboardApi
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(DashboardPaths.Api + "/meta", Meta);
        endpoints.MapGet(DashboardPaths.Api + "/spend", Spend);
        endpoints.MapGet(DashboardPaths.Api + "/series", Series);
        endpoints.MapGet(DashboardPaths.Api + "/forecast", Forecast);
        endpoints.MapGet(DashboardPaths.Api + "/budgets", Budgets);
        endpoints.MapGet(DashboardPaths.Api + "/latency", Latency);
        endpoints.MapGet(DashboardPaths.Api + "/events", Events);
        endpoints.MapGet(DashboardPaths.Api + "/live", LiveFeedEndpoint.Handle);
        endpoints.MapGet(DashboardPaths.Api + "/workflows", Workflows);
        endpoints.MapGet(DashboardPaths.Api + "/trace", Trace);
        endpoints.MapGet(DashboardPaths.Api + "/waste", Waste);
    }

    /// <summary>Views whose Insights functions this build lacks (reported by /meta; the page shows a notice instead). None today.</summary>
    internal static readonly string[] Unavailable = [];

    private static Task Spend(HttpContext context) => Report(context, InsightsJsonContext.Default.SpendReport, static (options, filter, _) =>
        new SpendService(options).GetReport(new SpendQuery { Filter = filter, GroupBy = SpendGroupings.Model, Top = 10 }));

    private static Task Series(HttpContext context) => Report(context, InsightsJsonContext.Default.SpendSeriesReport, static (options, filter, query) =>
        new SpendSeriesService(options).GetSeries(filter, DashboardQuery.Get(query, "bucket") ?? SpendSeriesService.DefaultBucket(filter)));

    private static Task Forecast(HttpContext context) => Report(context, InsightsJsonContext.Default.ForecastReport, static (options, filter, query) =>
        new ForecastService(options).GetForecast(DashboardQuery.Int(query, "days", 14, 1, 366), filter.IncludeDemo, filter.Provider, filter.Model));

    private static Task Budgets(HttpContext context) => Report(context, InsightsJsonContext.Default.BudgetReport, static (options, _, _) =>
        new BudgetService(options).GetReport());

    private static Task Latency(HttpContext context) => Report(context, InsightsJsonContext.Default.LatencyReport, static (options, filter, _) =>
        new LatencyService(options).GetReport(filter));

    // Workflows and waste follow the filter bar like every view: provider/model go to the same Insights functions that
    // `tokenops workflows`/`waste --provider --model` call, so the page equals their --json. A trace shows every step of its workflow.
    private static Task Workflows(HttpContext context) => Report(context, InsightsJsonContext.Default.WorkflowListReport, static (options, filter, query) =>
        new WorkflowService(options).List(filter.Since, filter.Until, filter.IncludeDemo, DashboardQuery.Int(query, "top", 20, 1, 200), filter.Provider, filter.Model));

    private static Task Trace(HttpContext context)
    {
        if (DashboardQuery.Get(context.Request.Query, "id") is null)
        {
            return Write(context, StatusCodes.Status400BadRequest, "bad_request", "id is required: a workflow, session or inferred (auto-…) id");
        }

        return Report(context, InsightsJsonContext.Default.WorkflowTrace, static (options, filter, query) =>
            new WorkflowService(options).Trace(DashboardQuery.Get(query, "id")!, filter.Since, filter.Until, filter.IncludeDemo),
            "no workflow, session or inferred chain with this id in the selected range (see /api/dashboard/workflows)");
    }

    private static Task Waste(HttpContext context) => Report(context, InsightsJsonContext.Default.WasteReport, static (options, filter, _) =>
        new WasteService(options).GetReport(filter.Since, filter.Until, filter.IncludeDemo, filter.Provider, filter.Model));

    private static Task Events(HttpContext context) => Report(context, DashboardJsonContext.Default.ListLiveEvent, static (options, filter, query) =>
    {
        var limit = DashboardQuery.Int(query, "limit", 50, 1, 500);
        using var queries = EventQueries.OpenReadOnly(options.StorePath);
        var rows = queries.Recent(new Storage.Queries.EventFilter
        {
            Since = filter.Since,
            Until = filter.Until,
            Provider = filter.Provider,
            Model = filter.Model,
            Limit = filter.IncludeDemo ? limit : limit * 4, // demo rows are dropped below
        });
        var result = new List<LiveEvent>(Math.Min(limit, rows.Count));
        foreach (var r in rows)
        {
            if (result.Count == limit)
            {
                break;
            }

            if (filter.IncludeDemo || r.Source != "demo")
            {
                result.Add(new LiveEvent
                {
                    Id = r.Id,
                    Timestamp = r.Timestamp,
                    Source = r.Source,
                    Provider = r.Provider,
                    Model = r.Model,
                    Operation = r.Operation,
                    Stream = r.Stream,
                    StatusCode = r.StatusCode,
                    InputTokens = r.InputTokens,
                    CachedInputTokens = r.CachedInputTokens,
                    OutputTokens = r.OutputTokens,
                    CostUsd = r.CostUsd,
                    LatencyMs = Math.Round(r.LatencyMs, 1),
                    TimeToFirstTokenMs = r.TimeToFirstTokenMs is { } t ? Math.Round(t, 1) : null,
                    CacheHit = r.CacheHit,
                    WorkflowId = r.WorkflowId,
                    ProxyError = r.ProxyError,
                });
            }
        }

        return result;
    });

    private static async Task Meta(HttpContext context)
    {
        var services = context.RequestServices;
        var options = services.GetRequiredService<InsightsOptions>();
        var dashboard = services.GetRequiredService<DashboardOptions>();
        var meta = new DashboardMeta
        {
            Version = dashboard.Version,
            StorePath = options.StorePath,
            StorageEnabled = dashboard.StorageEnabled,
            Models = [],
            BudgetsConfigured = options.Budgets.Count,
            Unavailable = Unavailable,
            SetupLines = SetupLines(context.Request),
        };
        if (File.Exists(options.StorePath))
        {
            var gate = services.GetRequiredService<DashboardQueryGate>();
            await gate.WaitAsync(context.RequestAborted).ConfigureAwait(false);
            try
            {
                meta = ReadCatalog(meta, options);
            }
            catch (SqliteException ex)
            {
                await Write(context, StatusCodes.Status500InternalServerError, "store_error", ex.Message).ConfigureAwait(false);
                return;
            }
            finally
            {
                gate.Release();
            }
        }

        await Json(context, meta, DashboardJsonContext.Default.DashboardMeta).ConfigureAwait(false);
    }

    /// <summary>
    /// Store catalog in a few index seeks, whatever the store's size: real/demo presence via LIMIT 1, and the distinct
    /// provider/model pairs by a loose index scan (<see cref="ProviderModelCatalog"/>).
    /// The demo check runs only when there are no real events: it is the only case the page needs it for.
    /// </summary>
    private static DashboardMeta ReadCatalog(DashboardMeta meta, InsightsOptions options)
    {
        using var connection = InsightsStore.OpenReadOnly(options.StorePath);
        var hasReal = Exists(connection, "SELECT 1 FROM prompt_events WHERE source <> 'demo' LIMIT 1");
        var hasDemo = !hasReal && Exists(connection, "SELECT 1 FROM prompt_events WHERE source = 'demo' LIMIT 1");
        var models = new List<ProviderModel>();
        foreach (var (provider, model) in ProviderModelCatalog.Read(connection))
        {
            models.Add(new ProviderModel { Provider = provider, Model = model ?? "(unknown)" });
        }

        return meta with { StoreExists = true, HasRealEvents = hasReal, HasDemoEvents = hasDemo, Models = models };
    }

    private static bool Exists(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() is not null;
    }

    internal static string[] SetupLines(HttpRequest request)
    {
        var origin = "http://" + request.Host.Value;
        return
        [
            $"export OPENAI_BASE_URL={origin}/openai/v1",
            $"export ANTHROPIC_BASE_URL={origin}/anthropic",
            $"new GoogleGenAI({{ apiKey, httpOptions: {{ baseUrl: \"{origin}/gemini\" }} }})",
        ];
    }

    /// <summary>
    /// Parse the shared filter, run one Insights query under the query gate, write its record as JSON.
    /// A query that finds nothing to report (null: an unknown trace id) answers 404 <c>not_found</c>.
    /// </summary>
    private static async Task Report<T>(HttpContext context, JsonTypeInfo<T> typeInfo, Func<InsightsOptions, Insights.Store.EventFilter, IQueryCollection, T?> run,
        string notFound = "nothing to report in this range")
        where T : class
    {
        var services = context.RequestServices;
        var options = services.GetRequiredService<InsightsOptions>();
        if (!DashboardQuery.TryParse(context.Request, options, out var filter, out var error))
        {
            await Write(context, StatusCodes.Status400BadRequest, "bad_request", error ?? "bad query").ConfigureAwait(false);
            return;
        }

        var cache = services.GetRequiredService<DashboardResponseCache>();
        var key = context.Request.Path.Value + context.Request.QueryString.Value;
        if (cache.TryGet(key, out var cached))
        {
            await WriteJsonBytes(context, cached).ConfigureAwait(false);
            return;
        }

        var gate = services.GetRequiredService<DashboardQueryGate>();
        await gate.WaitAsync(context.RequestAborted).ConfigureAwait(false);
        byte[]? body;
        var allocated = GC.GetAllocatedBytesForCurrentThread(); // no await until the finally below: same thread
        try
        {
            // Another request may have filled the entry while this one waited at the gate.
            if (cache.TryGet(key, out cached))
            {
                body = cached;
            }
            else
            {
                var version = cache.Version;
                var result = run(options, filter, context.Request.Query);
                body = result is null ? null : JsonSerializer.SerializeToUtf8Bytes(result, typeInfo);
                if (body is not null)
                {
                    cache.Set(key, body, version);
                }
            }
        }
        catch (Exception ex) when (ex is StoreNotFoundException or Storage.StoreUnavailableException)
        {
            await Write(context, StatusCodes.Status404NotFound, "no_store", ex.Message).ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (ex is ArgumentException)
        {
            await Write(context, StatusCodes.Status400BadRequest, "bad_request", ex.Message).ConfigureAwait(false);
            return;
        }
        catch (SqliteException ex)
        {
            await Write(context, StatusCodes.Status500InternalServerError, "store_error", ex.Message).ConfigureAwait(false);
            return;
        }
        finally
        {
            gate.Release();
            HeapTrim.AfterAllocating(GC.GetAllocatedBytesForCurrentThread() - allocated);
        }

        if (body is null)
        {
            await Write(context, StatusCodes.Status404NotFound, "not_found", notFound).ConfigureAwait(false);
            return;
        }

        await WriteJsonBytes(context, body).ConfigureAwait(false);
    }

    private static Task WriteJsonBytes(HttpContext context, byte[] body)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    private static Task Json<T>(HttpContext context, T value, JsonTypeInfo<T> typeInfo)
    {
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsJsonAsync(value, typeInfo, contentType: "application/json; charset=utf-8", context.RequestAborted);
    }

    internal static Task Write(HttpContext context, int status, string error, string message)
    {
        context.Response.StatusCode = status;
        return Json(context, new ApiError { Error = error, Message = message }, DashboardJsonContext.Default.ApiError);
    }
}

/// <summary>
/// At most two dashboard queries run at once: each holds a pool thread while SQLite scans, and the proxy shares the pool.
/// Waiters wait asynchronously (no thread held).
/// </summary>
internal sealed class DashboardQueryGate() : SemaphoreSlim(2, 2);
