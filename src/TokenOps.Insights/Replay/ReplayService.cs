using System.Text.Json;
using System.Text.Json.Nodes;
using TokenOps.Core.Bus;
using TokenOps.Core.Events;
using TokenOps.Core.Pricing;
using TokenOps.Optimizer.Pipeline;
using TokenOps.Storage.Queries;

namespace TokenOps.Insights.Replay;

/// <summary>
/// The replay engine: the optimizer pipeline, in replay mode, over stored requests whose bodies were captured.
/// </summary>
/// <remarks>
/// <list type="number">
/// <item>Select: the newest <see cref="ReplayQuery.Limit"/> prompt events matching the filters (session / workflow / agent,
/// since / until), excluding events that were themselves written by replay or demo, replayed oldest first so the prompt-cache
/// optimizer sees a session's requests in the order they happened.</item>
/// <item>Bodies: <c>capture.bodies=true</c> is required. When none of the matched events has a body, the report's status is
/// <c>no_bodies</c> with a message saying how to enable capture — never a silent zero.</item>
/// <item>Each request runs through a fresh pipeline (decision <c>replay</c>); accepted rewrites compose. Per step: tokens before
/// (our tokenizer, so before and after are comparable), after, cost before/after (rate card through the one cost function, with
/// the recorded output tokens), savings ratio and the top recommendations.</item>
/// <item>Every recommendation is stored as an OptimizationEvent (decision <c>replay</c>, source <c>replay</c>, linked by
/// prompt_event_id) through the store's sink when one is given.</item>
/// <item><c>--execute</c>: the optimized requests are re-sent to the configured upstream (<see cref="ReplayExecutor"/>) and the
/// responses recorded as prompt events with source <c>replay</c>.</item>
/// </list>
/// </remarks>
public sealed class ReplayService
{
    public const string NoBodiesMessage =
        "None of the {0} matching request(s) has a captured body, so there is nothing to replay (this is not a zero-savings result). " +
        "Replay needs the prompts: enable capture.bodies=true (\"capture\": {{ \"bodies\": true }} in ~/.tokenops/config.json, or TOKENOPS_CAPTURE_BODIES=1), " +
        "keep storage on (storage.enabled=true), restart the daemon and send traffic through it again. Bodies are stored locally, " +
        "redacted and gzip-compressed.";

    public const int TopRecommendationsPerStep = 3;

    private readonly InsightsOptions _insights;
    private readonly OptimizerOptions _optimizer;
    private readonly IPromptCostStamper _stamper;
    private readonly IEventSink? _sink;
    private readonly ReplayExecutor? _executor;

    public ReplayService(InsightsOptions insights, OptimizerOptions optimizer, IEventSink? sink = null, ReplayExecutor? executor = null)
    {
        ArgumentNullException.ThrowIfNull(insights);
        ArgumentNullException.ThrowIfNull(optimizer);
        _insights = insights;
        _optimizer = optimizer;
        _stamper = new CostCalculator(insights.RateCard);
        _sink = sink;
        _executor = executor;
    }

    /// <exception cref="Storage.StoreUnavailableException">No store, or it cannot be read.</exception>
    public async Task<ReplayReport> RunAsync(ReplayQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Execute && _executor is null)
        {
            throw new InvalidOperationException("--execute needs the upstream configuration (providers.*.url).");
        }

        using var store = EventQueries.OpenReadOnly(_insights.StorePath);
        var rows = Select(store, query);
        if (rows.Count == 0)
        {
            return new ReplayReport { Status = ReplayStatuses.NoEvents, Message = "No stored requests match the filters." };
        }

        var pipeline = new OptimizationPipeline(_optimizer with { LatencyBudgetMs = double.MaxValue }, _stamper);
        var steps = new List<ReplayStep>(rows.Count);
        var kinds = new Dictionary<string, KindTally>(StringComparer.Ordinal);
        var optimizationEvents = new List<Envelope>();
        var executionEvents = new List<Envelope>();
        var withoutBodies = 0;
        var replayed = 0;
        var executed = 0;
        long tokensBefore = 0, tokensAfter = 0;
        decimal? costBefore = 0m, costAfter = 0m;
        var now = _insights.Time.GetUtcNow();

        foreach (var row in rows)
        {
            var prompt = store.GetPrompt(row.Id)?.Prompt;
            var bodies = store.ReadCapturedBodies(row.Id);
            if (prompt is null || bodies?.Request is not { Length: > 0 } requestBody)
            {
                withoutBodies++;
                steps.Add(Skipped(row, "no captured request body"));
                continue;
            }

            JsonObject? body;
            try
            {
                body = JsonNode.Parse(requestBody) as JsonObject;
            }
            catch (JsonException)
            {
                body = null;
            }

            if (body is null)
            {
                steps.Add(Skipped(row, "captured body is not a JSON object"));
                continue;
            }

            var model = prompt.RequestModel ?? row.Model;
            var request = new OptimizationRequest
            {
                Provider = row.Provider,
                Operation = prompt.Operation,
                Model = model,
                Body = body,
                SessionId = prompt.SessionId,
                WorkflowId = prompt.WorkflowId,
                AgentId = prompt.AgentId,
                CredentialHash = prompt.CredentialHash,
                PromptHash = prompt.PromptHash,
                PromptEventId = row.Id,
            };
            var outcome = pipeline.Run(request, PipelineRunMode.Replay);
            if (!outcome.Supported)
            {
                steps.Add(Skipped(row, "not a chat request the optimizers understand (" + prompt.Operation + ")"));
                continue;
            }

            replayed++;
            decimal cacheSavings = 0;
            var cachePriced = true;
            foreach (var r in outcome.Recommendations)
            {
                Tally(kinds, r);
                optimizationEvents.Add(Envelope.ForOptimization(OptimizationPipeline.ToEvent(r, request), now, EventSources.Replay));
                if (r.Accepted && r.CacheableTokens is not null)
                {
                    if (r.EstimatedUsdSaved is { } u)
                    {
                        cacheSavings += u;
                    }
                    else
                    {
                        cachePriced = false;
                    }
                }
            }

            var output = row.OutputTokens ?? 0;
            var before = Price(row.Provider, model, outcome.TokensBefore, output);
            var after = Price(row.Provider, outcome.Model, outcome.TokensAfter, output) is { } a && cachePriced ? a - cacheSavings : (decimal?)null;
            tokensBefore += outcome.TokensBefore;
            tokensAfter += outcome.TokensAfter;
            costBefore = costBefore is { } cb && before is { } b ? cb + b : null;
            costAfter = costAfter is { } ca && after is { } af ? ca + af : null;

            ReplayExecution? execution = null;
            if (query.Execute)
            {
                var (result, envelope) = await _executor!.ExecuteAsync(prompt, row.Id, outcome.Changed ? outcome.Body : body, outcome.Model, _stamper, cancellationToken).ConfigureAwait(false);
                execution = result;
                executed++;
                if (envelope is not null)
                {
                    executionEvents.Add(envelope);
                }
            }

            var saved = outcome.TokensBefore - outcome.TokensAfter;
            steps.Add(new ReplayStep
            {
                EventId = row.Id,
                Timestamp = row.Timestamp,
                Provider = row.Provider,
                Model = model,
                ModelAfter = outcome.Model,
                Operation = prompt.Operation,
                RecordedInputTokens = row.InputTokens,
                RecordedCostUsd = row.CostUsd,
                TokensBefore = outcome.TokensBefore,
                TokensAfter = outcome.TokensAfter,
                TokensSaved = saved,
                SavingsRatio = Ratio(saved, outcome.TokensBefore),
                CostBefore = before,
                CostAfter = after,
                UsdSaved = before is { } bb && after is { } aa ? bb - aa : null,
                AppliedKinds = outcome.AppliedKinds.Length == 0 ? [] : outcome.AppliedKinds.Split(','),
                TopRecommendations = Top(outcome.Recommendations),
                Execution = execution,
            });
        }

        if (replayed == 0 && withoutBodies == rows.Count)
        {
            return new ReplayReport
            {
                Status = ReplayStatuses.NoBodies,
                Message = string.Format(System.Globalization.CultureInfo.InvariantCulture, NoBodiesMessage, rows.Count),
                EventsMatched = rows.Count,
                EventsWithoutBodies = withoutBodies,
            };
        }

        var stored = 0;
        if (_sink is not null && (optimizationEvents.Count > 0 || executionEvents.Count > 0))
        {
            optimizationEvents.AddRange(executionEvents);
            await _sink.WriteBatchAsync(optimizationEvents, cancellationToken).ConfigureAwait(false);
            await _sink.FlushAsync(cancellationToken).ConfigureAwait(false);
            stored = optimizationEvents.Count - executionEvents.Count;
        }

        var totalSaved = tokensBefore - tokensAfter;
        var usdSaved = costBefore is { } cbt && costAfter is { } cat ? cbt - cat : (decimal?)null;
        return new ReplayReport
        {
            Status = ReplayStatuses.Ok,
            Message = withoutBodies > 0 ? $"{withoutBodies} of {rows.Count} request(s) had no captured body and were not replayed (capture.bodies=true captures them)." : null,
            EventsMatched = rows.Count,
            EventsReplayed = replayed,
            EventsWithoutBodies = withoutBodies,
            TokensBefore = tokensBefore,
            TokensAfter = tokensAfter,
            TokensSaved = totalSaved,
            SavingsRatio = Ratio(totalSaved, tokensBefore),
            CostBefore = costBefore,
            CostAfter = costAfter,
            UsdSaved = usdSaved,
            CostSavingsRatio = usdSaved is { } us && costBefore is { } cbr && cbr > 0 ? Math.Round((double)(us / cbr), 4) : null,
            Kinds = Summaries(kinds),
            Steps = steps,
            OptimizationEventsStored = stored,
            Executed = executed,
        };
    }

    private static List<PromptEventRow> Select(EventQueries store, ReplayQuery query)
    {
        var limit = Math.Clamp(query.Limit, 1, 10_000);
        var needsScan = !string.IsNullOrEmpty(query.Session) || !string.IsNullOrEmpty(query.Agent);
        var candidates = store.Recent(new EventFilter
        {
            Since = query.Since,
            Until = query.Until,
            Workflow = query.Workflow,
            // Session/agent are filtered here: fetch a wide window, then keep the newest matches.
            Limit = needsScan ? 10_000 : limit * 2 + 50,
        });
        var selected = new List<PromptEventRow>(limit);
        foreach (var row in candidates)
        {
            if (row.Source is EventSources.Replay or EventSources.Demo
                || (!string.IsNullOrEmpty(query.Session) && row.SessionId != query.Session)
                || (!string.IsNullOrEmpty(query.Agent) && row.AgentId != query.Agent))
            {
                continue;
            }

            selected.Add(row);
            if (selected.Count == limit)
            {
                break;
            }
        }

        selected.Reverse();
        return selected;
    }

    private decimal? Price(string provider, string? model, long input, long output)
    {
        if (string.IsNullOrEmpty(model))
        {
            return null;
        }

        var scratch = new PromptEvent
        {
            Provider = provider,
            RequestModel = model,
            StatusCode = 200,
            InputTokens = input,
            OutputTokens = output,
            UsageSource = UsageSources.Estimated,
        };
        _stamper.Stamp(scratch);
        return scratch.PricingStatus == PricingStatuses.Priced ? scratch.CostUsd : null;
    }

    private static ReplayStep Skipped(PromptEventRow row, string why) => new()
    {
        EventId = row.Id,
        Timestamp = row.Timestamp,
        Provider = row.Provider,
        Model = row.Model,
        Operation = row.Operation,
        RecordedInputTokens = row.InputTokens,
        RecordedCostUsd = row.CostUsd,
        Skipped = why,
    };

    private static double Ratio(long saved, long before) => before == 0 ? 0 : Math.Round((double)saved / before, 4);

    private static List<Recommendation> Top(IReadOnlyList<Recommendation> recommendations)
    {
        var list = new List<Recommendation>(recommendations);
        list.Sort(static (a, b) =>
        {
            var c = (b.EstimatedUsdSaved ?? 0).CompareTo(a.EstimatedUsdSaved ?? 0);
            return c != 0 ? c : b.EstimatedTokensSaved.CompareTo(a.EstimatedTokensSaved);
        });
        if (list.Count > TopRecommendationsPerStep)
        {
            list.RemoveRange(TopRecommendationsPerStep, list.Count - TopRecommendationsPerStep);
        }

        return list;
    }

    private sealed class KindTally
    {
        public int Count;
        public int Accepted;
        public long Tokens;
        public decimal? Usd = 0m;
    }

    private static void Tally(Dictionary<string, KindTally> kinds, Recommendation r)
    {
        if (!kinds.TryGetValue(r.Kind, out var t))
        {
            kinds[r.Kind] = t = new KindTally();
        }

        t.Count++;
        if (r.Accepted)
        {
            t.Accepted++;
            t.Tokens += r.EstimatedTokensSaved;
            t.Usd = t.Usd is { } u && r.EstimatedUsdSaved is { } s ? u + s : null;
        }
    }

    private static List<ReplayKindSummary> Summaries(Dictionary<string, KindTally> kinds)
    {
        var list = new List<ReplayKindSummary>(kinds.Count);
        foreach (var (kind, t) in kinds)
        {
            list.Add(new ReplayKindSummary { Kind = kind, Recommendations = t.Count, Accepted = t.Accepted, TokensSaved = t.Tokens, UsdSaved = t.Usd });
        }

        list.Sort(static (a, b) =>
        {
            var c = (b.UsdSaved ?? 0).CompareTo(a.UsdSaved ?? 0);
            return c != 0 ? c : b.TokensSaved.CompareTo(a.TokensSaved);
        });
        return list;
    }
}
