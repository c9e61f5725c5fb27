using TokenOps.LoadTest.Load;
using TokenOps.LoadTest.Metrics;

namespace TokenOps.LoadTest.Report;

/// <summary>Turns raw runs into per-round records, medians over rounds, ratios, and the gate verdict.</summary>
internal static class Summarizer
{
    public const string Direct = "direct";
    public const string Nginx = "nginx";

    public static RunRecord ToRecord(RunResult run, ScenarioKind kind)
    {
        static double Us(long nanos) => Math.Round(nanos / 1000.0, 1);
        var sse = kind == ScenarioKind.Sse;
        return new RunRecord
        {
            Round = run.Round,
            Scenario = run.Scenario,
            Target = run.Target,
            Count = run.Measured,
            Errors = run.Errors,
            Waited = run.Waited,
            Reconnects = run.Reconnects,
            ThroughputRps = Math.Round(run.ThroughputRps, 1),
            P50Us = Us(run.Latency.PercentileNanos(0.50)),
            P90Us = Us(run.Latency.PercentileNanos(0.90)),
            P99Us = Us(run.Latency.PercentileNanos(0.99)),
            P999Us = Us(run.Latency.PercentileNanos(0.999)),
            MaxUs = Us(run.Latency.MaxNanos),
            MeanUs = Math.Round(run.Latency.MeanNanos / 1000.0, 1),
            SendLagP99Us = kind == ScenarioKind.OpenLoop ? Us(run.SendLag.PercentileNanos(0.99)) : null,
            TtfcP50Us = sse ? Us(run.TimeToFirstEvent.PercentileNanos(0.50)) : null,
            TtfcP99Us = sse ? Us(run.TimeToFirstEvent.PercentileNanos(0.99)) : null,
            GapP50Us = sse ? Us(run.EventGaps.PercentileNanos(0.50)) : null,
            GapP99Us = sse ? Us(run.EventGaps.PercentileNanos(0.99)) : null,
            GapMaxUs = sse ? Us(run.EventGaps.MaxNanos) : null,
            ProxyCpuUsPerRequest = run.ProxyCpuMicrosPerRequest is double cpu ? Math.Round(cpu, 1) : null,
            UpstreamCpuUsPerRequest = Math.Round(run.UpstreamCpuMicrosPerRequest, 1),
            GcPauseUsPerRequest = run.GcPauseMicrosPerRequest is double pause ? Math.Round(pause, 2) : null,
            GcsPerThousandRequests = run.GcsPerThousandRequests is double gcs ? Math.Round(gcs, 2) : null,
            AllocatedKbPerRequest = run.AllocatedBytesPerRequest is double bytes ? Math.Round(bytes / 1024, 2) : null,
            PromotedKbLastGc = run.PromotedBytesLastGc is long promoted ? Math.Round(promoted / 1024.0, 1) : null,
            GeneratorCpuUsPerRequest = Math.Round(run.GeneratorCpuMicrosPerRequest, 1),
            RssKb = run.ProxyRssKb > 0 ? run.ProxyRssKb : null,
            PeakRssKb = run.ProxyPeakRssKb > 0 ? run.ProxyPeakRssKb : null,
            FirstError = run.FirstError,
        };
    }

    public static List<SummaryRow> Summarize(IReadOnlyList<RunRecord> runs, IReadOnlyList<Scenario> scenarios, IReadOnlyList<string> targets)
    {
        var rows = new List<SummaryRow>();
        foreach (var scenario in scenarios)
        {
            var direct = runs.Where(r => r.Scenario == scenario.Name && r.Target == Direct).ToDictionary(r => r.Round);
            foreach (var target in targets)
            {
                var mine = runs.Where(r => r.Scenario == scenario.Name && r.Target == target).OrderBy(r => r.Round).ToList();
                if (mine.Count == 0)
                {
                    continue;
                }

                // Added latency is paired by round (same minute, same machine state), then the median is taken.
                double? Added(Func<RunRecord, double?> metric) => target == Direct ? null : Median(mine
                    .Where(r => direct.ContainsKey(r.Round) && metric(r) is not null && metric(direct[r.Round]) is not null)
                    .Select(r => metric(r)!.Value - metric(direct[r.Round])!.Value));

                rows.Add(new SummaryRow
                {
                    Scenario = scenario.Name,
                    Kind = scenario.Kind.ToString(),
                    Target = target,
                    Rounds = mine.Count,
                    Errors = mine.Sum(r => r.Errors),
                    Waited = mine.Sum(r => r.Waited),
                    ThroughputRps = Median(mine.Select(r => r.ThroughputRps)) ?? 0,
                    P50Us = Median(mine.Select(r => r.P50Us)) ?? 0,
                    P90Us = Median(mine.Select(r => r.P90Us)) ?? 0,
                    P99Us = Median(mine.Select(r => r.P99Us)) ?? 0,
                    P999Us = Median(mine.Select(r => r.P999Us)) ?? 0,
                    MaxUs = Median(mine.Select(r => r.MaxUs)) ?? 0,
                    AddedP50Us = Added(r => r.P50Us),
                    AddedP99Us = Added(r => r.P99Us),
                    AddedP999Us = Added(r => r.P999Us),
                    P99RatioVsDirect = target == Direct ? null : Median(mine
                        .Where(r => direct.ContainsKey(r.Round) && direct[r.Round].P99Us > 0)
                        .Select(r => r.P99Us / direct[r.Round].P99Us)),
                    ProxyCpuUsPerRequest = Median(mine.Where(r => r.ProxyCpuUsPerRequest is not null).Select(r => r.ProxyCpuUsPerRequest!.Value)),
                    UpstreamCpuUsPerRequest = Median(mine.Select(r => r.UpstreamCpuUsPerRequest)) ?? 0,
                    GcPauseUsPerRequest = Median(mine.Where(r => r.GcPauseUsPerRequest is not null).Select(r => r.GcPauseUsPerRequest!.Value)),
                    GcsPerThousandRequests = Median(mine.Where(r => r.GcsPerThousandRequests is not null).Select(r => r.GcsPerThousandRequests!.Value)),
                    AllocatedKbPerRequest = Median(mine.Where(r => r.AllocatedKbPerRequest is not null).Select(r => r.AllocatedKbPerRequest!.Value)),
                    PromotedKbLastGc = Median(mine.Where(r => r.PromotedKbLastGc is not null).Select(r => r.PromotedKbLastGc!.Value)),
                    SendLagP99Us = Median(mine.Where(r => r.SendLagP99Us is not null).Select(r => r.SendLagP99Us!.Value)),
                    TtfcP50Us = Median(mine.Where(r => r.TtfcP50Us is not null).Select(r => r.TtfcP50Us!.Value)),
                    TtfcP99Us = Median(mine.Where(r => r.TtfcP99Us is not null).Select(r => r.TtfcP99Us!.Value)),
                    AddedTtfcP50Us = scenario.Kind == ScenarioKind.Sse ? Added(r => r.TtfcP50Us) : null,
                    AddedTtfcP99Us = scenario.Kind == ScenarioKind.Sse ? Added(r => r.TtfcP99Us) : null,
                    GapP50Us = Median(mine.Where(r => r.GapP50Us is not null).Select(r => r.GapP50Us!.Value)),
                    GapP99Us = Median(mine.Where(r => r.GapP99Us is not null).Select(r => r.GapP99Us!.Value)),
                    AddedGapP50Us = scenario.Kind == ScenarioKind.Sse ? Added(r => r.GapP50Us) : null,
                    AddedGapP99Us = scenario.Kind == ScenarioKind.Sse ? Added(r => r.GapP99Us) : null,
                });
            }
        }

        return rows;
    }

    public static List<RatioRow> Ratios(IReadOnlyList<SummaryRow> summary, IReadOnlyList<Scenario> scenarios)
    {
        var ratios = new List<RatioRow>();
        foreach (var scenario in scenarios.Where(s => s.Kind == ScenarioKind.OpenLoop))
        {
            var nginx = summary.FirstOrDefault(r => r.Scenario == scenario.Name && r.Target == Nginx);
            foreach (var row in summary.Where(r => r.Scenario == scenario.Name && r.Target.StartsWith("tokenops", StringComparison.Ordinal)))
            {
                ratios.Add(new RatioRow
                {
                    Scenario = scenario.Name,
                    Target = row.Target,
                    AddedP99Us = row.AddedP99Us,
                    NginxAddedP99Us = nginx?.AddedP99Us,
                    AddedP99RatioVsNginx = row.AddedP99Us is double mine && nginx?.AddedP99Us is double theirs && theirs > 0
                        ? Math.Round(mine / theirs, 2) : null,
                    P99RatioVsDirect = row.P99RatioVsDirect is double r ? Math.Round(r, 2) : null,
                });
            }
        }

        return ratios;
    }

    /// <summary>Evaluates the CI gate. Every check is listed; failures say why, with the numbers.</summary>
    public static GateOutcome EvaluateGate(GateThresholds gates, IReadOnlyList<SummaryRow> summary, IReadOnlyList<TargetInfo> targets)
    {
        var failures = new List<string>();
        var checks = new List<string>();
        var target = targets.FirstOrDefault(t => t.Name == gates.Target);
        var row = summary.FirstOrDefault(r => r.Scenario == gates.Scenario && r.Target == gates.Target);
        if (target is null || !target.Available || row is null)
        {
            failures.Add("target " + gates.Target + " was not measured in " + gates.Scenario + ": " + (target?.Reason ?? "not configured"));
            return new GateOutcome { Passed = false, Failures = failures, Checks = checks };
        }

        if (row.Rounds < gates.MinRounds)
        {
            failures.Add($"only {row.Rounds} rounds (gate needs {gates.MinRounds} for a stable median)");
        }

        Check(row.Errors == 0, $"errors through {gates.Target}: {row.Errors} (must be 0)");
        var addedP99Ms = (row.AddedP99Us ?? double.NaN) / 1000;
        var directP99Ms = (summary.FirstOrDefault(r => r.Scenario == gates.Scenario && r.Target == Direct)?.P99Us ?? double.NaN) / 1000;
        if (gates.NoiseGuardDirectP99Ms is double guard && directP99Ms > guard)
        {
            checks.Add($"SKIP added p99 at {gates.Scenario}: {addedP99Ms:0.000} ms — inconclusive, direct's own p99 is {directP99Ms:0.000} ms (> noise guard {guard:0.000} ms): the machine is too busy for an absolute sub-ms verdict");
        }
        else
        {
            Check(addedP99Ms <= gates.MaxAddedP99Ms, $"added p99 at {gates.Scenario}: {addedP99Ms:0.000} ms (limit {gates.MaxAddedP99Ms:0.000} ms; direct p99 {directP99Ms:0.000} ms)");
        }
        if (gates.BaselineP99RatioVsDirect > 0)
        {
            var limit = gates.BaselineP99RatioVsDirect * (1 + gates.RatioMargin);
            var ratio = row.P99RatioVsDirect ?? double.NaN;
            Check(ratio <= limit, $"p99 ratio vs direct: {ratio:0.00}x (baseline {gates.BaselineP99RatioVsDirect:0.00}x + {gates.RatioMargin:P0} margin = {limit:0.00}x)");
        }

        if (gates.MaxAddedP99RatioVsNginx is double maxVsNginx)
        {
            var nginx = summary.FirstOrDefault(r => r.Scenario == gates.Scenario && r.Target == Nginx);
            if (nginx?.AddedP99Us is double theirs && theirs > 0 && row.AddedP99Us is double mine)
            {
                Check(mine / theirs <= maxVsNginx, $"added p99 vs nginx: {mine / theirs:0.00}x (limit {maxVsNginx:0.00}x)");
            }
            else
            {
                checks.Add("added p99 vs nginx: skipped (nginx not measured)");
            }
        }

        return new GateOutcome { Passed = failures.Count == 0, Failures = failures, Checks = checks };

        void Check(bool ok, string text)
        {
            checks.Add((ok ? "PASS " : "FAIL ") + text);
            if (!ok)
            {
                failures.Add(text);
            }
        }
    }

    public static double? Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return null;
        }

        var mid = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return Math.Round(median, 2);
    }
}
