using System.Globalization;
using System.Text;
using TokenOps.Insights.Waste;
using TokenOps.Insights.Workflow;

namespace TokenOps.Cli;

/// <summary>Text rendering of the workflow/waste/coach reports (no computation beyond layout: every number is in the record).</summary>
internal static class WasteRendering
{
    private const int TimelineWidth = 40;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Workflows(WorkflowListReport r)
    {
        var sb = new StringBuilder();
        sb.Append("Workflows ").Append(Time(r.Since)).Append(" → ").Append(Time(r.Until)).Append("  (by cost)");
        if (r.IncludeDemo)
        {
            sb.Append("  [including demo data]");
        }

        sb.Append("\n\n");
        if (r.Workflows.Count == 0)
        {
            sb.Append("No workflows in this range. Tag requests with X-TokenOps-Workflow-Id, or run multi-turn conversations through the proxy.\n");
            return sb.ToString();
        }

        var rows = new List<string[]>();
        foreach (var w in r.Workflows)
        {
            rows.Add([w.Id, w.Kind, w.Provider, Num(w.Steps), Num(w.InputTokens), Num(w.OutputTokens), Num(w.CachedInputTokens),
                Num(w.PeakContextTokens), w.CostUsd is { } c ? Usd(c) : "unpriced", Num(w.Errors), Time(w.FirstTimestamp)]);
        }

        Table(sb, ["WORKFLOW", "KIND", "PROVIDER", "STEPS", "INPUT", "OUTPUT", "CACHED", "PEAK CTX", "COST", "ERRORS", "STARTED"], rows, 3, 9);
        if (r.WorkflowCount > r.Workflows.Count)
        {
            sb.Append("(top ").Append(r.Workflows.Count).Append(" of ").Append(r.WorkflowCount).Append(" workflows; use --top)\n");
        }

        sb.Append("\nSee one with: tokenops trace <workflow>\n");
        return sb.ToString();
    }

    public static string Trace(WorkflowTrace t)
    {
        var s = t.Summary;
        var sb = new StringBuilder();
        sb.Append("Workflow ").Append(s.Id).Append("  (").Append(s.Kind).Append(", ").Append(s.Provider);
        if (s.Models.Count > 0)
        {
            sb.Append(", ").Append(string.Join(", ", s.Models));
        }

        sb.Append(")\n");
        sb.Append(Time(s.FirstTimestamp)).Append(" → ").Append(Time(s.LastTimestamp)).Append("  ").Append(Num(s.Steps)).Append(" steps");
        if (s.Agents.Count > 0)
        {
            sb.Append("  agents: ").Append(string.Join(", ", s.Agents));
        }

        sb.Append("\n\n");
        var rows = new List<string[]>();
        foreach (var step in t.Steps)
        {
            rows.Add([
                Num(step.Index), step.Timestamp.UtcDateTime.ToString("HH:mm:ss", Inv), step.Model ?? "", Num(step.InputTokens), Num(step.OutputTokens),
                Num(step.CachedInputTokens), step.ContextDelta is { } d ? (d >= 0 ? "+" : "") + Num(d) : "", Ms(step.LatencyMs),
                step.CostUsd is { } c ? Usd(c) : "unpriced", step.CacheHit ? "hit" : "", step.Error ?? step.FinishReason ?? "",
            ]);
        }

        Table(sb, ["#", "TIME", "MODEL", "INPUT", "OUTPUT", "CACHED", "Δ CONTEXT", "LATENCY", "COST", "CACHE", "FINISH"], rows, 3, 9);
        sb.Append('\n');
        Table(sb, ["STEPS", "INPUT TOK", "OUTPUT TOK", "CACHED TOK", "COST", "PEAK CONTEXT", "GROWTH", "LATENCY", "ERRORS"],
            [[Num(s.Steps), Num(s.InputTokens), Num(s.OutputTokens), Num(s.CachedInputTokens), s.CostUsd is { } total ? Usd(total) : "unpriced",
                Num(s.PeakContextTokens), (t.ContextGrowthTokens >= 0 ? "+" : "") + Num(t.ContextGrowthTokens)
                + (t.ContextGrowthFactor is { } f ? " (" + f.ToString("0.##", Inv) + "×)" : ""), Ms(t.TotalLatencyMs), Num(s.Errors)]], 0);

        // Timeline: one bar per step, input (cached part as ░, uncached as █) then output (▒), scaled to the largest step.
        long max = 1;
        foreach (var step in t.Steps)
        {
            max = Math.Max(max, step.InputTokens + step.OutputTokens);
        }

        sb.Append("\nTokens per step  (█ input  ░ cached input  ▒ output; full width = ").Append(Num(max)).Append(")\n");
        foreach (var step in t.Steps)
        {
            var cached = Scale(step.CachedInputTokens, max);
            var input = Math.Max(0, Scale(step.InputTokens, max) - cached);
            var output = Scale(step.OutputTokens, max);
            sb.Append(Num(step.Index).PadLeft(4)).Append(" │")
                .Append('░', cached).Append('█', input).Append('▒', output)
                .Append(' ', Math.Max(0, TimelineWidth - cached - input - output))
                .Append("│ ").Append(Num(step.InputTokens + step.OutputTokens)).Append('\n');
        }

        return sb.ToString();
    }

    public static string Waste(WasteReport r)
    {
        var sb = new StringBuilder();
        sb.Append("Waste ").Append(Time(r.Since)).Append(" → ").Append(Time(r.Until)).Append("  (").Append(Num(r.EventsAnalysed)).Append(" events analysed)");
        if (r.IncludeDemo)
        {
            sb.Append("  [including demo data]");
        }

        sb.Append("\n\n");
        if (r.Findings.Count == 0)
        {
            sb.Append("No waste found.\n");
            return sb.ToString();
        }

        sb.Append("Estimated savings: ").Append(Usd(r.TotalUsdSaved)).Append(" and ").Append(Num(r.TotalTokensSaved)).Append(" tokens across ")
            .Append(r.Findings.Count).Append(" findings\n");
        var rank = 0;
        foreach (var f in r.Findings)
        {
            rank++;
            sb.Append('\n').Append(rank).Append(". [").Append(f.Severity).Append("] ").Append(f.Kind).Append("  ").Append(Usd(f.EstimatedUsdSaved))
                .Append("  ").Append(Num(f.EstimatedTokensSaved)).Append(" tokens\n");
            sb.Append("   ").Append(f.Summary).Append('\n');
            if (f.Details is { } details)
            {
                sb.Append("   ").Append(details).Append('\n');
            }

            if (f.Fix is { } fix)
            {
                sb.Append("   Fix: ").Append(fix).Append('\n');
            }

            sb.Append("   Evidence: ");
            for (var i = 0; i < f.EvidenceEventIds.Count && i < 3; i++)
            {
                sb.Append(i == 0 ? "" : ", ").Append(f.EvidenceEventIds[i]);
            }

            if (f.EvidenceEventIds.Count > 3)
            {
                sb.Append(" (+").Append(f.EvidenceEventIds.Count - 3).Append(" more)");
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    public static string Coach(CoachReport r)
    {
        var sb = new StringBuilder();
        if (r.Recommendations.Count == 0)
        {
            sb.Append("Nothing to recommend for ").Append(Time(r.Since)).Append(" → ").Append(Time(r.Until)).Append(": no waste found.\n");
            return sb.ToString();
        }

        sb.Append("Top recommendations (").Append(Time(r.Since)).Append(" → ").Append(Time(r.Until)).Append("), about ")
            .Append(Usd(r.ProjectedMonthlyUsd)).Append("/month in total:\n");
        foreach (var rec in r.Recommendations)
        {
            sb.Append('\n').Append(rec.Rank).Append(". ").Append(rec.Title).Append(" — save about ").Append(Usd(rec.ProjectedMonthlyUsd)).Append("/month\n");
            sb.Append("   ").Append(rec.Advice).Append('\n');
            sb.Append("   Seen ").Append(rec.Findings).Append(rec.Findings == 1 ? " time" : " times").Append(", e.g. ").Append(rec.Example).Append('\n');
        }

        sb.Append("\nDetails and evidence: tokenops waste\n");
        return sb.ToString();
    }

    private static int Scale(long value, long max) => value <= 0 ? 0 : (int)Math.Max(1, Math.Round((double)value * TimelineWidth / max));

    private static string Usd(decimal value) => "$" + value.ToString(value != 0 && Math.Abs(value) < 0.01m ? "#,0.00####" : "#,0.00", Inv);

    private static string Num(long value) => value.ToString("#,0", Inv);

    private static string Ms(double value) => value >= 10_000 ? (value / 1000).ToString("0.0", Inv) + " s" : value.ToString("0", Inv) + " ms";

    private static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm", Inv);

    /// <summary>Left-aligned text columns, right-aligned numeric columns [from, to].</summary>
    private static void Table(StringBuilder sb, string[] headers, IReadOnlyList<string[]> rows, int rightFrom, int rightTo = int.MaxValue)
    {
        var widths = new int[headers.Length];
        for (var c = 0; c < headers.Length; c++)
        {
            widths[c] = headers[c].Length;
            foreach (var row in rows)
            {
                widths[c] = Math.Max(widths[c], row[c].Length);
            }
        }

        void Line(string[] cells)
        {
            var line = new StringBuilder();
            for (var c = 0; c < cells.Length; c++)
            {
                var right = c >= rightFrom && c <= rightTo;
                line.Append(c == 0 ? "" : "  ").Append(right ? cells[c].PadLeft(widths[c]) : cells[c].PadRight(widths[c]));
            }

            sb.Append(line.ToString().TrimEnd()).Append('\n');
        }

        Line(headers);
        foreach (var row in rows)
        {
            Line(row);
        }
    }
}
