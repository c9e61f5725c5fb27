using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using TokenOps.Core.Pricing;
using TokenOps.Insights;
using TokenOps.Insights.Budgets;
using TokenOps.Insights.Forecast;
using TokenOps.Insights.Replay;
using TokenOps.Insights.Spend;
using TokenOps.Insights.Store;
using TokenOps.Insights.Waste;
using TokenOps.Insights.Workflow;
using TokenOps.Optimizer.Pipeline;
using TokenOps.Storage;
using TokenOps.Storage.Queries;

namespace TokenOps.Mcp.Tools;

/// <summary>
/// The tools over Insights. Each returns exactly the record the matching CLI command prints with <c>--json</c>
/// (same service, same defaults, same source-generated JSON), so agents and humans always agree.
/// </summary>
internal static class InsightsTools
{
    private const string Range = """
        "since": { "type": "string", "description": "Start: a duration back from now (24h, 7d, 2w), a date or an ISO timestamp." },
        "until": { "type": "string", "description": "End (exclusive), same formats; default now." },
        "include_demo": { "type": "boolean", "description": "Include events written by `tokenops demo`." }
        """;

    private const string Filters = """
        "provider": { "type": "string", "enum": ["openai", "anthropic", "gemini"] },
        "model": { "type": "string" },
        "workflow": { "type": "string" },
        "agent": { "type": "string" }
        """;

    /// <summary>The provider/model filter of the workflow and waste tools (the same names and values as spend's).</summary>
    private const string AnalysisFilters = """
        "provider": { "type": "string", "enum": ["openai", "anthropic", "gemini"], "description": "Only analyse requests to this provider." },
        "model": { "type": "string", "description": "Only analyse requests on this model (as stored: response model, else request model)." }
        """;

    private const string AnyObject = """{ "type": "object" }""";

    public static IEnumerable<McpTool> Create(McpToolContext context)
    {
        if (context.Insights is not { } insights)
        {
            yield break;
        }

        yield return new McpTool(
            "tokenops_spend_summary", "Spend summary",
            "Totals (requests, input/output/cached tokens, USD, saved by cache), a table per group, the last-24h burn rate and daily cost — the same report as `tokenops spend --json`.",
            Schema($$"""{{Range}}, {{Filters}}, "by": { "type": "string", "enum": ["model", "provider", "day", "hour", "workflow", "agent", "session"] }, "top": { "type": "integer", "minimum": 1, "maximum": 1000 }"""),
            SpendSchema,
            (args, ct) => Spend(insights, args, defaultBy: "model", defaultTop: 10));

        yield return new McpTool(
            "tokenops_top_consumers", "Top consumers",
            "The most expensive models, workflows, agents or sessions over a period (default: agents over 7 days) — `tokenops spend --by <dimension> --top N --json`.",
            Schema($$"""{{Range}}, {{Filters}}, "by": { "type": "string", "enum": ["model", "provider", "workflow", "agent", "session"] }, "top": { "type": "integer", "minimum": 1, "maximum": 1000 }"""),
            SpendSchema,
            (args, ct) => Spend(insights, args, defaultBy: "agent", defaultTop: 5));

        yield return new McpTool(
            "tokenops_burn_rate", "Burn rate",
            "Dollars spent in the last 24 hours and per hour, and how many requests — the burn-rate line of `tokenops spend`.",
            Schema($$"""{{Filters}}, "include_demo": { "type": "boolean" }"""),
            """{ "type": "object", "properties": { "usd_per_hour": { "type": "number" }, "requests": { "type": "integer" } }, "required": ["usd_per_hour", "requests"] }""",
            (args, ct) =>
            {
                var report = RunSpend(insights, args, "24h", "model", 1);
                var burn = report.BurnRate;
                return Output(burn, InsightsJsonContext.Default.BurnRate,
                    string.Create(CultureInfo.InvariantCulture, $"Last 24 h: ${burn.Last24hUsd:0.######} (${burn.UsdPerHour:0.######}/h) over {burn.Requests} requests."));
            });

        yield return new McpTool(
            "tokenops_forecast", "Forecast",
            "Daily cost forecast with 80% and 95% bands and the projected month-end total — `tokenops forecast --json`.",
            Schema("""
                "days": { "type": "integer", "minimum": 7, "maximum": 90 },
                "provider": { "type": "string", "enum": ["openai", "anthropic", "gemini"] },
                "model": { "type": "string" },
                "include_demo": { "type": "boolean" }
                """),
            AnyObject,
            (args, ct) =>
            {
                var report = new ForecastService(insights).GetForecast(args.Int("days", 7, 90) ?? 14, args.Bool("include_demo") ?? false, Provider(args), args.String("model"));
                return Output(report, InsightsJsonContext.Default.ForecastReport, "Forecast computed; see structured content for daily values and bands.");
            });

        yield return new McpTool(
            "tokenops_budget_status", "Budget status",
            "Each configured budget: actual, forecast for its window, state (ok/warn/critical/exceeded) and projected breach date — `tokenops budget --json`.",
            Schema(""),
            AnyObject,
            (args, ct) => Output(new BudgetService(insights).GetReport(), InsightsJsonContext.Default.BudgetReport,
                insights.Budgets.Count == 0 ? "No budgets are configured (config key budgets[])." : $"{insights.Budgets.Count} budget(s) evaluated."));

        yield return new McpTool(
            "tokenops_events", "Recent events",
            "The newest proxied requests with tokens, latency, status and cost — `tokenops events --json`.",
            Schema($$"""{{Range}}, "provider": { "type": "string", "enum": ["openai", "anthropic", "gemini"] }, "model": { "type": "string" }, "workflow": { "type": "string" }, "limit": { "type": "integer", "minimum": 1, "maximum": 10000 }"""),
            """{ "type": "object", "properties": { "events": { "type": "array" } }, "required": ["events"] }""",
            (args, ct) =>
            {
                var (from, to) = ParseRange(insights, args, "24h");
                using var queries = EventQueries.OpenReadOnly(insights.StorePath);
                var rows = queries.Recent(new Storage.Queries.EventFilter { Since = from, Until = to, Provider = Provider(args), Model = args.String("model"), Workflow = args.String("workflow"), Limit = args.Int("limit", 1, 10_000) ?? 50 });
                var element = JsonSerializer.SerializeToElement(rows, StorageJsonContext.Default.IReadOnlyListPromptEventRow);
                var wrapped = Wrap("events", element);
                return ValueTask.FromResult(new ToolOutput(wrapped, rows.Count == 0 ? EmptyHint : $"{rows.Count} event(s), newest first."));
            });

        yield return new McpTool(
            "tokenops_workflow_trace", "Workflow trace",
            "Steps of one workflow or session (time, model, tokens, context growth, latency, cost, cache hits) and totals — `tokenops trace <id> --json`.",
            Schema($$"""{{Range}}, "id": { "type": "string", "description": "Workflow id, session id or inferred session id (see tokenops_events / tokenops workflows)." }""", required: "id"),
            AnyObject,
            (args, ct) =>
            {
                var (from, to) = ParseRange(insights, args, "30d");
                var trace = new WorkflowService(insights).Trace(args.String("id")!, from, to, args.Bool("include_demo") ?? true)
                    ?? throw new ToolInputException($"No workflow or session '{args.String("id")}' in that range. List them with tokenops_spend_summary by workflow or the `tokenops workflows` command.");
                return Output(trace, InsightsJsonContext.Default.WorkflowTrace, "Workflow trace; see structured content for steps.");
            });

        yield return new McpTool(
            "tokenops_waste_findings", "Waste findings",
            "Where tokens are wasted (repeated requests, retry storms, oversized context, missed prompt caching, …), ranked by dollars with evidence and the fix; provider/model analyse only the matching requests — `tokenops waste --json`.",
            Schema($$"""{{Range}}, {{AnalysisFilters}}"""),
            AnyObject,
            (args, ct) =>
            {
                var (from, to) = ParseRange(insights, args, "7d");
                var report = new WasteService(insights).GetReport(from, to, args.Bool("include_demo") ?? false, Provider(args), args.String("model"));
                return Output(report, InsightsJsonContext.Default.WasteReport, "Waste findings ranked by dollars.");
            });

        yield return new McpTool(
            "tokenops_coach", "Coach",
            "The three highest-value recommendations in plain language with projected monthly savings; provider/model analyse only the matching requests — `tokenops coach --json`.",
            Schema($$"""{{Range}}, {{AnalysisFilters}}"""),
            AnyObject,
            (args, ct) =>
            {
                var (from, to) = ParseRange(insights, args, "7d");
                var report = new WasteService(insights).GetCoaching(from, to, args.Bool("include_demo") ?? false, Provider(args), args.String("model"));
                return Output(report, InsightsJsonContext.Default.CoachReport, "Top recommendations.");
            });

        if (context.Optimizer is { } optimizer)
        {
            yield return new McpTool(
                "tokenops_optimize_prompt", "Optimize a prompt",
                "Run TokenOps' optimizers (compression, dedupe, context trim, retrieval pruning, model routing, prompt-cache hints) on a request body or prompt and return the rewrite and the tokens and dollars it saves. Nothing is sent anywhere.",
                Schema("""
                    "provider": { "type": "string", "enum": ["openai", "anthropic", "gemini"] },
                    "model": { "type": "string" },
                    "body": { "type": "string", "description": "A full request body (JSON) or a JSON array of messages." },
                    "prompt": { "type": "string", "description": "Plain prompt text (instead of body)." },
                    "system": { "type": "string", "description": "Optional system prompt with 'prompt'." }
                    """, required: "provider"),
                AnyObject,
                (args, ct) =>
                {
                    var result = new PromptOptimization(optimizer with { Enabled = true }, new CostCalculator(insights.RateCard))
                        .Optimize(args.OneOf("provider", "openai", "anthropic", "gemini")!, args.String("model"), args.String("body"), args.String("prompt"), args.String("system"));
                    return Output(result, OptimizerJsonContext.Default.OptimizePromptResult, "Optimization result; see structured content.");
                });

            yield return new McpTool(
                "tokenops_replay", "Replay",
                "Run the optimizers over stored requests (needs capture.bodies=true) and report original vs optimized tokens and cost — `tokenops replay --json` (never re-sends anything).",
                Schema("""
                    "session": { "type": "string" }, "workflow": { "type": "string" }, "agent": { "type": "string" },
                    "since": { "type": "string" }, "until": { "type": "string" },
                    "limit": { "type": "integer", "minimum": 1, "maximum": 1000 }
                    """),
                AnyObject,
                async (args, ct) =>
                {
                    var now = insights.Time.GetUtcNow();
                    DateTimeOffset? from = null, to = null;
                    if (args.String("since") is { } since)
                    {
                        from = TimeRange.TryParse(since, now, insights.TimeZone, out var f, out var e) ? f : throw new ToolInputException("since: " + e);
                    }

                    if (args.String("until") is { } until)
                    {
                        to = TimeRange.TryParse(until, now, insights.TimeZone, out var u, out var e) ? u : throw new ToolInputException("until: " + e);
                    }

                    var report = await new ReplayService(insights, optimizer with { Enabled = true }).RunAsync(
                        new ReplayQuery { Session = args.String("session"), Workflow = args.String("workflow"), Agent = args.String("agent"), Since = from, Until = to, Limit = args.Int("limit", 1, 1000) ?? 50 }, ct).ConfigureAwait(false);
                    var element = JsonSerializer.SerializeToElement(report, ReplayJsonContext.Default.ReplayReport);
                    return new ToolOutput(element, "Replay report; see structured content.");
                });
        }
    }

    private const string EmptyHint = "The store has no events in this range. Point an SDK at the proxy (OPENAI_BASE_URL=http://127.0.0.1:7878/openai/v1, ANTHROPIC_BASE_URL=http://127.0.0.1:7878/anthropic) with `tokenops start --store`, or run `tokenops demo` to see sample data (then pass include_demo=true).";

    private const string SpendSchema = """
        {
          "type": "object",
          "properties": {
            "group_by": { "type": "string" },
            "totals": { "type": "object" },
            "groups": { "type": "array" },
            "burn_rate": { "type": "object" },
            "daily": { "type": "array" }
          },
          "required": ["group_by", "totals", "groups", "burn_rate", "daily"]
        }
        """;

    private static ValueTask<ToolOutput> Spend(InsightsOptions insights, ToolArguments args, string defaultBy, int defaultTop)
    {
        var report = RunSpend(insights, args, "7d", defaultBy, defaultTop);
        var text = report.Totals.Requests == 0
            ? EmptyHint
            : string.Create(CultureInfo.InvariantCulture, $"{report.Totals.Requests} requests, ${report.Totals.CostUsd:0.######} spent, ${report.Totals.SavedUsd:0.######} saved by cache, grouped by {report.GroupBy} ({report.Groups.Count} shown).");
        return Output(report, InsightsJsonContext.Default.SpendReport, text);
    }

    private static SpendReport RunSpend(InsightsOptions insights, ToolArguments args, string defaultSince, string defaultBy, int defaultTop)
    {
        var (from, to) = ParseRange(insights, args, defaultSince);
        var by = args.OneOf("by", "model", "provider", "day", "hour", "workflow", "agent", "session") ?? defaultBy;
        var filter = new Insights.Store.EventFilter
        {
            Since = from,
            Until = to,
            Provider = Provider(args),
            Model = args.String("model"),
            Workflow = args.String("workflow"),
            Agent = args.String("agent"),
            IncludeDemo = args.Bool("include_demo") ?? false,
        };
        return new SpendService(insights).GetReport(new SpendQuery { Filter = filter, GroupBy = by, Top = args.Int("top", 1, 1000) ?? defaultTop });
    }

    /// <summary>The <c>provider</c> argument: one of the schema's enum values or a tool error naming them.</summary>
    private static string? Provider(ToolArguments args) => args.OneOf("provider", [.. Insights.Store.EventFilter.KnownProviders]);

    private static (DateTimeOffset From, DateTimeOffset To) ParseRange(InsightsOptions insights, ToolArguments args, string defaultSince)
    {
        if (!File.Exists(insights.StorePath))
        {
            throw new ToolInputException($"No event store at {insights.StorePath}. Turn storage on (`tokenops start --store` or TOKENOPS_STORAGE_ENABLED=1) and send requests through the proxy, or run `tokenops demo` for sample data.");
        }

        var now = insights.Time.GetUtcNow();
        if (!TimeRange.TryParse(args.String("since") ?? defaultSince, now, insights.TimeZone, out var from, out var error)
            || !TimeRange.TryParse(args.String("until"), now, insights.TimeZone, out var to, out error))
        {
            throw new ToolInputException("since/until: " + error);
        }

        return (from, to);
    }

    private static ValueTask<ToolOutput> Output<T>(T value, JsonTypeInfo<T> typeInfo, string text) =>
        ValueTask.FromResult(new ToolOutput(JsonSerializer.SerializeToElement(value, typeInfo), text));

    private static JsonElement Wrap(string name, JsonElement value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName(name);
            value.WriteTo(writer);
            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    internal static string Schema(string properties, string? required = null) =>
        "{ \"type\": \"object\", \"properties\": { " + properties + " }" + (required is null ? "" : ", \"required\": [\"" + required + "\"]") + " }";

    internal static async Task<JsonElement?> GetDaemonJsonAsync(string url, CancellationToken cancellationToken)
    {
        try
        {
            using var handler = new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(2) };
            using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
            using var response = await client.GetAsync(url, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode && (int)response.StatusCode != 503)
            {
                return null;
            }

            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            return document.RootElement.Clone();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or System.Net.Sockets.SocketException)
        {
            return null;
        }
    }
}
