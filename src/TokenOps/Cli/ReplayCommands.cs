using System.Globalization;
using System.Text;
using System.Text.Json;
using ConsoleAppFramework;
using TokenOps.Insights;
using TokenOps.Insights.Replay;
using TokenOps.Optimizer.Pipeline;
using TokenOps.Proxy;
using TokenOps.Storage;

namespace TokenOps.Cli;

/// <summary>
/// <c>tokenops replay</c>: the optimizer pipeline over stored requests (a thin shell over <see cref="ReplayService"/>).
/// Exit codes: 0 report printed (also when nothing matched), 1 bad argument / no store, 2 requests matched but none has a
/// captured body (the message says how to enable capture).
/// </summary>
internal sealed class ReplayCommands(InsightsOptions options, OptimizerOptions optimizer, ProxyOptions proxy)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    internal TextWriter Out { get; set; } = Console.Out;

    internal TextWriter Error { get; set; } = Console.Error;

    /// <summary>Replays stored requests through the optimizers and reports what they would save. Needs capture.bodies=true.</summary>
    /// <param name="session">Only requests of this session id.</param>
    /// <param name="workflow">Only requests of this workflow id.</param>
    /// <param name="agent">Only requests of this agent id.</param>
    /// <param name="since">Start: a duration back from now (24h, 7d), a date or an ISO timestamp.</param>
    /// <param name="until">End (exclusive), same formats; default now.</param>
    /// <param name="limit">The newest N matching requests (replayed oldest first).</param>
    /// <param name="json">Print the report as JSON.</param>
    /// <param name="execute">Re-send the optimized requests upstream (keys from OPENAI_API_KEY / ANTHROPIC_API_KEY / GEMINI_API_KEY) and record the responses as source=replay events.</param>
    [Command("replay")]
    public async Task<int> Replay(string? session = null, string? workflow = null, string? agent = null, string? since = null,
        string? until = null, int limit = 50, bool json = false, bool execute = false, CancellationToken cancellationToken = default)
    {
        var now = options.Time.GetUtcNow();
        DateTimeOffset? from = null, to = null;
        if (since is not null)
        {
            if (!TimeRange.TryParse(since, now, options.TimeZone, out var f, out var error))
            {
                return Fail("--since: " + error);
            }

            from = f;
        }

        if (until is not null)
        {
            if (!TimeRange.TryParse(until, now, options.TimeZone, out var u, out var error))
            {
                return Fail("--until: " + error);
            }

            to = u;
        }

        if (limit < 1)
        {
            return Fail("--limit must be at least 1");
        }

        var sink = options.OpenStoreWriter?.Invoke();
        using var executor = execute ? new ReplayExecutor(proxy.Upstreams, ReplayExecutor.EnvironmentCredential, options.Time) : null;
        ReplayReport report;
        try
        {
            var service = new ReplayService(options, optimizer, sink, executor);
            report = await service.RunAsync(new ReplayQuery
            {
                Session = session,
                Workflow = workflow,
                Agent = agent,
                Since = from,
                Until = to,
                Limit = limit,
                Execute = execute,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException ex)
        {
            return Fail(ex.Message);
        }
        finally
        {
            (sink as IDisposable)?.Dispose();
        }

        Out.Write(json ? JsonSerializer.Serialize(report, ReplayJsonContext.Default.ReplayReport) + "\n" : Render(report));
        if (report.Status == ReplayStatuses.NoBodies)
        {
            if (json)
            {
                Error.WriteLine("tokenops: " + report.Message);
            }

            return 2;
        }

        return 0;
    }

    internal static string Render(ReplayReport r)
    {
        var sb = new StringBuilder();
        if (r.Status != ReplayStatuses.Ok)
        {
            return r.Message + "\n";
        }

        sb.Append(Inv, $"Replayed {r.EventsReplayed} of {r.EventsMatched} request(s)");
        if (r.EventsWithoutBodies > 0)
        {
            sb.Append(Inv, $" ({r.EventsWithoutBodies} without a captured body)");
        }

        sb.Append('\n');
        sb.Append(Inv, $"Input tokens  {r.TokensBefore,12:#,0} → {r.TokensAfter,12:#,0}   saved {r.TokensSaved:#,0} ({r.SavingsRatio:P1})\n");
        sb.Append("Cost          ").Append(Usd(r.CostBefore).PadLeft(12)).Append(" → ").Append(Usd(r.CostAfter).PadLeft(12))
            .Append("   saved ").Append(Usd(r.UsdSaved));
        if (r.CostSavingsRatio is { } cr)
        {
            sb.Append(Inv, $" ({cr:P1})");
        }

        sb.Append("\n\n");
        if (r.Kinds.Count > 0)
        {
            sb.Append("optimizer            recs  accepted  tokens saved   usd saved\n");
            foreach (var k in r.Kinds)
            {
                sb.Append(Inv, $"{k.Kind,-20} {k.Recommendations,4}  {k.Accepted,8}  {k.TokensSaved,12:#,0}  {Usd(k.UsdSaved),10}\n");
            }

            sb.Append('\n');
        }

        sb.Append("step  time                  provider   model                        before     after   saved  applied\n");
        var i = 0;
        foreach (var s in r.Steps)
        {
            i++;
            var model = s.ModelAfter is { } after && after != s.Model ? s.Model + "→" + after : s.Model ?? "";
            if (s.Skipped is not null)
            {
                sb.Append(Inv, $"{i,4}  {s.Timestamp.UtcDateTime:yyyy-MM-dd HH:mm:ss}   {s.Provider,-9}  {Trim(model, 27),-27}  skipped: {s.Skipped}\n");
                continue;
            }

            sb.Append(Inv, $"{i,4}  {s.Timestamp.UtcDateTime:yyyy-MM-dd HH:mm:ss}   {s.Provider,-9}  {Trim(model, 27),-27} {s.TokensBefore,7:#,0} {s.TokensAfter,9:#,0} {s.SavingsRatio,7:P0}  {string.Join(',', s.AppliedKinds)}\n");
            foreach (var rec in s.TopRecommendations)
            {
                sb.Append(Inv, $"        {rec.Kind}: {rec.Reason} (−{rec.EstimatedTokensSaved:#,0} tok, {Usd(rec.EstimatedUsdSaved)}, q {rec.Quality:0.00})\n");
            }

            if (s.Execution is { } e)
            {
                sb.Append(Inv, $"        executed: HTTP {e.StatusCode}, in {e.InputTokens?.ToString("#,0", Inv) ?? "?"} / out {e.OutputTokens?.ToString("#,0", Inv) ?? "?"}, {Usd(e.CostUsd)}, {e.LatencyMs:0} ms{(e.Error is null ? "" : ", " + e.Error)}\n");
            }
        }

        if (r.OptimizationEventsStored > 0)
        {
            sb.Append(Inv, $"\nStored {r.OptimizationEventsStored} optimization event(s) (decision replay).\n");
        }

        if (r.Message is not null)
        {
            sb.Append('\n').Append(r.Message).Append('\n');
        }

        return sb.ToString();
    }

    private static string Trim(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";

    private static string Usd(decimal? value) => value is { } v
        ? "$" + v.ToString(v != 0 && Math.Abs(v) < 0.01m ? "#,0.00####" : "#,0.00", Inv)
        : "unpriced";

    private int Fail(string message)
    {
        Error.WriteLine("tokenops: " + message);
        return 1;
    }
}
