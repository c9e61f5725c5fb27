using TokenOps.Core.Events;
using TokenOps.Insights.Store;
using TokenOps.Insights.Workflow;
using TokenOps.Storage.Queries;
using EventFilter = TokenOps.Insights.Store.EventFilter;

namespace TokenOps.Insights.Waste;

/// <summary>
/// Waste findings and coaching over the store: the query functions behind <c>tokenops waste</c>/<c>coach</c>, the MCP tools
/// <c>waste_findings</c>/<c>coach</c> and the dashboard. Findings are computed from the prompt events in the range (so the CLI
/// works without the daemon) and merged with the coaching events the daemon stored (same ids: one finding, not two).
/// </summary>
public sealed class WasteService(InsightsOptions options, WasteThresholds? thresholds = null, WorkflowOptions? workflowOptions = null)
{
    private readonly WasteThresholds _thresholds = thresholds ?? new WasteThresholds();
    private readonly WorkflowOptions _workflow = workflowOptions ?? options.Workflow;

    /// <summary>Findings over the prompt events in [since, until), ranked by estimated dollars saved.</summary>
    /// <remarks>
    /// With <paramref name="provider"/> or <paramref name="model"/>, only the matching prompt events are analysed (filtered in
    /// SQL; <see cref="WasteReport.EventsAnalysed"/> counts them), so every finding and total is about that traffic alone: a
    /// workflow's rules see only its matching steps, under the workflow's unfiltered id (see <see cref="WorkflowService.List"/>).
    /// A finding the daemon stored is kept when its own provider and model (the ones the report shows) match.
    /// </remarks>
    /// <param name="provider">Only events of this provider (openai|anthropic|gemini); null for all.</param>
    /// <param name="model">Only events of this model (as stored: response model, else request model); null for all.</param>
    public WasteReport GetReport(DateTimeOffset since, DateTimeOffset until, bool includeDemo = false, string? provider = null, string? model = null)
    {
        var filter = new EventFilter { Since = since, Until = until, IncludeDemo = includeDemo, Provider = provider, Model = model };
        var detector = new WasteDetector(_thresholds, options.RateCard, _workflow);
        List<StepRow> rows;
        List<(WorkflowKey Key, List<StepRow> Steps)> workflows;
        int analysed;
        using (var connection = InsightsStore.OpenReadOnly(options.StorePath))
        {
            (rows, workflows, analysed) = StepLoader.LoadGrouped(connection, filter, _workflow.ChainMaxGap, examines: detector.Examines);
        }

        var findings = detector.Detect(rows, workflows);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in findings)
        {
            ids.Add(f.Id);
        }

        foreach (var stored in ReadStored(filter))
        {
            if (ids.Add(stored.Id))
            {
                findings.Add(stored);
            }
        }

        WasteDetector.Rank(findings);
        decimal usd = 0;
        long tokens = 0;
        foreach (var f in findings)
        {
            usd += f.EstimatedUsdSaved;
            tokens += f.EstimatedTokensSaved;
        }

        return new WasteReport
        {
            Since = since,
            Until = until,
            IncludeDemo = includeDemo,
            Findings = findings,
            TotalUsdSaved = usd,
            TotalTokensSaved = tokens,
            EventsAnalysed = analysed,
        };
    }

    /// <summary>The three most valuable recommendations (findings grouped by kind), projected to a 30-day month.</summary>
    /// <remarks>The findings are <see cref="GetReport"/>'s for the same arguments: a provider/model filter narrows them the same way.</remarks>
    /// <param name="provider">Only events of this provider (openai|anthropic|gemini); null for all.</param>
    /// <param name="model">Only events of this model (as stored: response model, else request model); null for all.</param>
    public CoachReport GetCoaching(DateTimeOffset since, DateTimeOffset until, bool includeDemo = false, string? provider = null, string? model = null)
    {
        var report = GetReport(since, until, includeDemo, provider, model);
        var days = Math.Max(1.0, (until - since).TotalDays);
        var byKind = new Dictionary<string, (int Count, decimal Usd, long Tokens, WasteFinding Best)>(StringComparer.Ordinal);
        foreach (var f in report.Findings)
        {
            if (byKind.TryGetValue(f.Kind, out var acc))
            {
                byKind[f.Kind] = (acc.Count + 1, acc.Usd + f.EstimatedUsdSaved, acc.Tokens + f.EstimatedTokensSaved, acc.Best);
            }
            else
            {
                byKind[f.Kind] = (1, f.EstimatedUsdSaved, f.EstimatedTokensSaved, f);
            }
        }

        var ranked = new List<(string Kind, (int Count, decimal Usd, long Tokens, WasteFinding Best) Acc)>();
        foreach (var (kind, acc) in byKind)
        {
            ranked.Add((kind, acc));
        }

        ranked.Sort(static (a, b) =>
        {
            var c = b.Acc.Usd.CompareTo(a.Acc.Usd);
            if (c == 0)
            {
                c = b.Acc.Tokens.CompareTo(a.Acc.Tokens);
            }

            return c != 0 ? c : string.CompareOrdinal(a.Kind, b.Kind);
        });
        var recommendations = new List<Recommendation>();
        decimal monthly = 0;
        foreach (var (kind, acc) in ranked)
        {
            if (recommendations.Count == 3)
            {
                break;
            }

            var rule = WasteDetector.RuleFor(kind);
            var projected = Math.Round(acc.Usd * 30m / (decimal)days, 2);
            monthly += projected;
            recommendations.Add(new Recommendation
            {
                Rank = recommendations.Count + 1,
                Kind = kind,
                Title = rule?.Title ?? kind,
                Advice = rule?.Advice ?? acc.Best.Fix ?? acc.Best.Summary,
                Findings = acc.Count,
                UsdSavedInRange = acc.Usd,
                TokensSavedInRange = acc.Tokens,
                ProjectedMonthlyUsd = projected,
                Example = acc.Best.Summary,
            });
        }

        return new CoachReport
        {
            Since = since,
            Until = until,
            IncludeDemo = includeDemo,
            Recommendations = recommendations,
            ProjectedMonthlyUsd = monthly,
        };
    }

    /// <summary>
    /// The findings the daemon stored in the range. Their provider and model travel in the envelope's attributes (JSON in the
    /// events table, no column to index), so the filter is applied to the decoded finding: at most 10,000 rows of one type.
    /// </summary>
    private List<WasteFinding> ReadStored(EventFilter filter)
    {
        var list = new List<WasteFinding>();
        using var queries = EventQueries.OpenReadOnly(options.StorePath);
        foreach (var envelope in queries.RecentEvents(EventTypes.Coaching, filter.Since, limit: 10_000))
        {
            if (envelope.Timestamp >= filter.Until || (!filter.IncludeDemo && envelope.Source == EventSources.Demo)
                || WasteFinding.FromEnvelope(envelope) is not { } finding
                || (!string.IsNullOrEmpty(filter.Provider) && !string.Equals(finding.Provider, filter.Provider, StringComparison.Ordinal))
                || (!string.IsNullOrEmpty(filter.Model) && !string.Equals(finding.Model, filter.Model, StringComparison.Ordinal)))
            {
                continue;
            }

            list.Add(finding);
        }

        return list;
    }
}
