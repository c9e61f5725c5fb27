using System.Globalization;
using System.Text;

namespace TokenOps.LoadTest.Report;

/// <summary>results.md: the tables a human reads (all numbers are medians over the alternating rounds).</summary>
internal static class MarkdownWriter
{
    public static string Write(LoadTestReport report)
    {
        var sb = new StringBuilder();
        var s = report.Settings;
        sb.Append(Inv($"# TokenOps end-to-end overhead ({report.Mode})\n\n"));
        sb.Append(Inv($"{report.StartedAt:yyyy-MM-dd HH:mm} UTC · {report.Machine.ProcessorCount} cores ({report.Machine.Cpu}) · {report.Machine.Runtime} · load avg at start {report.Machine.LoadAverageAtStart} · "));
        sb.Append(Inv($"{s.Rounds} alternating rounds, medians shown · open loop {s.WarmupSeconds:0.#} s warm-up + {s.DurationSeconds:0.#} s, {s.OpenLoopConnections} connections · "));
        sb.Append(Inv($"closed loop {s.ClosedWarmupSeconds:0.#} s + {s.ClosedDurationSeconds:0.#} s · SSE {s.SseConcurrency} streams, events {s.SseIntervalMicros} µs apart · pinned: {(s.Pinned ? "yes" : "no")} · took {report.DurationSeconds:0} s\n\n"));

        sb.Append("Targets:\n\n");
        foreach (var t in report.Targets)
        {
            sb.Append(Inv($"- ({t.Key}) **{t.Name}** — {t.Description}"));
            sb.Append(t.Available ? "" : " — *skipped: " + t.Reason + "*");
            sb.Append('\n');
        }

        var open = report.Summary.Where(r => r.Kind == "OpenLoop").ToList();
        if (open.Count > 0)
        {
            sb.Append("\n## Open loop (latency from the intended send time, µs)\n\n");
            sb.Append("| scenario | target | p50 | p90 | p99 | p99.9 | max | added p50 | added p99 | added p99.9 | p99 ÷ direct | proxy CPU µs/req | alloc KB/req | GC pause µs/req | GCs per 1k req | promoted KB (last GC) | errors | waited | send lag p99 |\n");
            sb.Append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
            foreach (var r in open)
            {
                sb.Append(Inv($"| {r.Scenario} | {r.Target} | {F(r.P50Us)} | {F(r.P90Us)} | {F(r.P99Us)} | {F(r.P999Us)} | {F(r.MaxUs)} | {F(r.AddedP50Us)} | {F(r.AddedP99Us)} | {F(r.AddedP999Us)} | {R(r.P99RatioVsDirect)} | {F(r.ProxyCpuUsPerRequest)} | {F2(r.AllocatedKbPerRequest)} | {F2(r.GcPauseUsPerRequest)} | {F2(r.GcsPerThousandRequests)} | {F2(r.PromotedKbLastGc)} | {r.Errors} | {r.Waited} | {F(r.SendLagP99Us)} |\n"));
            }
        }

        var closed = report.Summary.Where(r => r.Kind == "ClosedLoop").ToList();
        if (closed.Count > 0)
        {
            sb.Append("\n## Closed loop (throughput; latency from send, µs)\n\n");
            sb.Append("| scenario | target | requests/s | p50 | p99 | p99.9 | added p50 | added p99 | proxy CPU µs/req | upstream CPU µs/req | errors |\n");
            sb.Append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
            foreach (var r in closed)
            {
                sb.Append(Inv($"| {r.Scenario} | {r.Target} | {r.ThroughputRps:0} | {F(r.P50Us)} | {F(r.P99Us)} | {F(r.P999Us)} | {F(r.AddedP50Us)} | {F(r.AddedP99Us)} | {F(r.ProxyCpuUsPerRequest)} | {F(r.UpstreamCpuUsPerRequest)} | {r.Errors} |\n"));
            }
        }

        var sse = report.Summary.Where(r => r.Kind == "Sse").ToList();
        if (sse.Count > 0)
        {
            sb.Append("\n## SSE streams (64 content events + usage + [DONE], µs)\n\n");
            sb.Append("| scenario | target | streams/s | first event p50 | first event p99 | added first event p50 | added first event p99 | gap p50 | gap p99 | added gap p50 | added gap p99 | proxy CPU µs/stream | errors |\n");
            sb.Append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
            foreach (var r in sse)
            {
                sb.Append(Inv($"| {r.Scenario} | {r.Target} | {r.ThroughputRps:0.#} | {F(r.TtfcP50Us)} | {F(r.TtfcP99Us)} | {F(r.AddedTtfcP50Us)} | {F(r.AddedTtfcP99Us)} | {F(r.GapP50Us)} | {F(r.GapP99Us)} | {F(r.AddedGapP50Us)} | {F(r.AddedGapP99Us)} | {F(r.ProxyCpuUsPerRequest)} | {r.Errors} |\n"));
            }
        }

        var proxies = report.Targets.Where(t => t.Available && t.PeakRssKb is not null).ToList();
        if (proxies.Count > 0)
        {
            sb.Append("\n## Memory (proxy process, after the last run)\n\n| target | RSS MB | peak RSS (VmHWM) MB |\n|---|--:|--:|\n");
            foreach (var t in proxies)
            {
                sb.Append(Inv($"| {t.Name} | {t.RssKb / 1024.0:0.0} | {t.PeakRssKb / 1024.0:0.0} |\n"));
            }
        }

        if (report.Ratios.Count > 0)
        {
            sb.Append("\n## Ratios\n\n| scenario | target | added p99 (ms) | nginx added p99 (ms) | (b)/(d) added p99 | (b)/(a) p99 |\n|---|---|--:|--:|--:|--:|\n");
            foreach (var r in report.Ratios)
            {
                sb.Append(Inv($"| {r.Scenario} | {r.Target} | {Ms(r.AddedP99Us)} | {Ms(r.NginxAddedP99Us)} | {R(r.AddedP99RatioVsNginx)} | {R(r.P99RatioVsDirect)} |\n"));
            }
        }

        if (report.Gate is { } gate)
        {
            sb.Append("\n## Gate: ").Append(gate.Passed ? "PASSED" : "FAILED").Append("\n\n");
            foreach (var check in gate.Checks)
            {
                sb.Append("- ").Append(check).Append('\n');
            }

            foreach (var failure in gate.Failures.Where(f => !gate.Checks.Any(c => c.EndsWith(f, StringComparison.Ordinal))))
            {
                sb.Append("- FAIL ").Append(failure).Append('\n');
            }
        }

        return sb.ToString();
    }

    private static string F(double? value) => value is double v ? v.ToString("0", CultureInfo.InvariantCulture) : "—";

    private static string F2(double? value) => value is double v ? v.ToString("0.00", CultureInfo.InvariantCulture) : "—";

    private static string Ms(double? micros) => micros is double v ? (v / 1000).ToString("0.000", CultureInfo.InvariantCulture) : "—";

    private static string R(double? ratio) => ratio is double v ? v.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "—";

    private static string Inv(FormattableString text) => FormattableString.Invariant(text);
}
