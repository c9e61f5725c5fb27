using System.Globalization;
using System.Text;
using TokenOps.Core.Pricing;
using TokenOps.Insights;
using TokenOps.Insights.Budgets;
using TokenOps.Insights.Forecast;
using TokenOps.Insights.Spend;

namespace TokenOps.Cli;

/// <summary>Text rendering of the Insights reports (no computation: every number comes from the report record).</summary>
internal static class SpendRendering
{
    private const string Spark = "▁▂▃▄▅▆▇█";
    private const int BarWidth = 32;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Spend(SpendReport r)
    {
        var sb = new StringBuilder();
        sb.Append("Spend ").Append(Time(r.Since)).Append(" → ").Append(Time(r.Until)).Append("  (by ").Append(r.GroupBy).Append(')');
        if (r.IncludeDemo)
        {
            sb.Append("  [including demo data]");
        }

        sb.Append('\n').Append('\n');
        var t = r.Totals;
        Table(sb,
            ["REQUESTS", "INPUT TOK", "OUTPUT TOK", "CACHED TOK", "COST", "SAVED BY CACHE", "CACHE HITS", "ERRORS"],
            [[Num(t.Requests), Num(t.InputTokens), Num(t.OutputTokens), Num(t.CachedInputTokens), Usd(t.CostUsd), Usd(t.SavedUsd), Num(t.CacheHits), Num(t.Errors)]],
            rightAlignFrom: 0);
        sb.Append('\n');
        if (r.Groups.Count == 0)
        {
            sb.Append("No events in this range.\n");
        }
        else
        {
            var byModel = r.GroupBy == SpendGroupings.Model;
            var rows = new List<string[]>(r.Groups.Count);
            foreach (var g in r.Groups)
            {
                var gt = g.Totals;
                var cells = new List<string> { g.Key };
                if (byModel)
                {
                    cells.Add(g.Provider ?? "");
                }

                cells.AddRange([Num(gt.Requests), Num(gt.InputTokens), Num(gt.OutputTokens), Num(gt.CachedInputTokens), Usd(gt.CostUsd), Usd(gt.SavedUsd), Pct(g.Share)]);
                rows.Add([.. cells]);
            }

            string[] headers = byModel
                ? ["MODEL", "PROVIDER", "REQS", "INPUT", "OUTPUT", "CACHED", "COST", "SAVED", "SHARE"]
                : [r.GroupBy.ToUpperInvariant(), "REQS", "INPUT", "OUTPUT", "CACHED", "COST", "SAVED", "SHARE"];
            Table(sb, headers, rows, rightAlignFrom: byModel ? 2 : 1);
            if (r.GroupCount > r.Groups.Count)
            {
                sb.Append("(top ").Append(r.Groups.Count).Append(" of ").Append(r.GroupCount).Append(" groups; use --top)\n");
            }
        }

        sb.Append('\n').Append("Burn rate (last 24 h): ").Append(Usd(r.BurnRate.Last24hUsd))
            .Append("  = ").Append(Usd(r.BurnRate.UsdPerHour)).Append("/h over ").Append(Num(r.BurnRate.Requests)).Append(" requests\n");
        if (r.Daily.Count > 0)
        {
            var values = new decimal[r.Daily.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = r.Daily[i].CostUsd;
            }

            sb.Append('\n').Append("Daily cost  ").Append(Sparkline(values)).Append('\n');
            var max = Max(values);
            foreach (var d in r.Daily)
            {
                sb.Append("  ").Append(d.Date.ToString("yyyy-MM-dd ddd", Inv)).Append("  ").Append(Bar(d.CostUsd, max)).Append(' ').Append(Usd(d.CostUsd));
                if (d.SavedUsd > 0)
                {
                    sb.Append("  (saved ").Append(Usd(d.SavedUsd)).Append(')');
                }

                sb.Append('\n');
            }
        }

        if (r.Unpriced.Count > 0)
        {
            sb.Append('\n').Append("Unpriced models (their cost is NOT in the totals; add pricing.overrides rows):\n");
            foreach (var u in r.Unpriced)
            {
                sb.Append("  ").Append(u.Provider).Append('/').Append(u.Model).Append("  ").Append(Num(u.Requests)).Append(" requests, last ").Append(Time(u.LastSeen)).Append('\n');
            }
        }

        return sb.ToString();
    }

    public static string Forecast(ForecastReport r)
    {
        var sb = new StringBuilder();
        sb.Append("Forecast (").Append(r.Method);
        if (r.HistoryDays > 0)
        {
            sb.Append(", ").Append(r.HistoryDays).Append(" days of history ").Append(r.HistoryStart?.ToString("yyyy-MM-dd", Inv)).Append(" → ").Append(r.HistoryEnd?.ToString("yyyy-MM-dd", Inv));
        }
        else
        {
            sb.Append(", no history yet");
        }

        sb.Append(")\n\n");
        var rows = new List<string[]>(r.Points.Count);
        var values = new decimal[r.Points.Count];
        for (var i = 0; i < r.Points.Count; i++)
        {
            var p = r.Points[i];
            values[i] = p.CostUsd;
            rows.Add([p.Date.ToString("yyyy-MM-dd ddd", Inv), Usd(p.CostUsd), Usd(p.Lower80) + " – " + Usd(p.Upper80), Usd(p.Lower95) + " – " + Usd(p.Upper95)]);
        }

        Table(sb, ["DAY", "FORECAST", "80% BAND", "95% BAND"], rows, rightAlignFrom: 1);
        sb.Append('\n').Append("Trend  ").Append(Sparkline(values)).Append('\n');
        sb.Append("Month to date: ").Append(Usd(r.MonthToDateUsd)).Append("   Projected month end: ").Append(Usd(r.ProjectedMonthEndUsd)).Append('\n');
        if (r.Method == "mean")
        {
            sb.Append("(fewer than 7 days of history: forecast is the daily mean)\n");
        }

        return sb.ToString();
    }

    public static string Budgets(BudgetReport r)
    {
        if (r.Budgets.Count == 0)
        {
            return "No budgets configured. Add budgets[] to ~/.tokenops/config.json, e.g.\n"
                + "  \"budgets\": [ { \"name\": \"monthly\", \"window\": \"monthly\", \"limit_usd\": 100 } ]\n";
        }

        var sb = new StringBuilder();
        var rows = new List<string[]>(r.Budgets.Count);
        foreach (var b in r.Budgets)
        {
            rows.Add([
                b.Name, b.Window, State(b.State), Usd(b.ActualUsd), Usd(b.LimitUsd), Pct(b.Used), Usd(b.ForecastUsd),
                b.ProjectedBreachDate?.ToString("yyyy-MM-dd", Inv) ?? "—", b.Enforce ? "yes" : "no", Filters(b),
            ]);
        }

        Table(sb, ["BUDGET", "WINDOW", "STATE", "ACTUAL", "LIMIT", "USED", "FORECAST", "BREACH", "ENFORCE", "FILTER"], rows, rightAlignFrom: 3, rightAlignTo: 7);
        return sb.ToString();
    }

    public static string Pricing(PricingShowReport r)
    {
        var sb = new StringBuilder();
        sb.Append("Rate card ").Append(r.RateCardVersion).Append("  (USD per million tokens)\n");
        if (r.Query is not null)
        {
            sb.Append(r.Rows.Count == 0
                ? $"No price for '{r.Query}': events for it are stored with pricing_status=unpriced. Add a pricing.overrides row.\n"
                : $"'{r.Query}' → {r.Rows[0].Provider}/{r.Rows[0].Model} ({r.MatchKind} match)\n");
        }

        sb.Append('\n');
        var rows = new List<string[]>();
        foreach (var row in r.Rows)
        {
            rows.Add([row.Provider ?? "", row.Model ?? "", Rate(row.Input), Rate(row.CachedInput), Rate(row.CacheWrite5m), Rate(row.CacheWrite1h), Rate(row.Output), Tiers(row), row.Checked ?? ""]);
        }

        Table(sb, ["PROVIDER", "MODEL", "INPUT", "CACHED", "WRITE 5M", "WRITE 1H", "OUTPUT", "LONG CONTEXT", "CHECKED"], rows, rightAlignFrom: 2, rightAlignTo: 6);
        if (r.Query is not null && r.Rows.Count == 1 && r.Rows[0].Source is { } source)
        {
            sb.Append("source: ").Append(source).Append('\n');
        }

        return sb.ToString();
    }

    public static string PricingCheck(PricingCheckReport r)
    {
        if (r.Unpriced.Count == 0)
        {
            return $"All {r.ModelsSeen} models seen in the store are priced by rate card {r.RateCardVersion}.\n";
        }

        var sb = new StringBuilder();
        sb.Append(r.Unpriced.Count).Append(" of ").Append(r.ModelsSeen).Append(" models seen in the store have no price in rate card ").Append(r.RateCardVersion).Append(":\n\n");
        var rows = new List<string[]>();
        foreach (var u in r.Unpriced)
        {
            rows.Add([u.Provider, u.Model, Num(u.Requests), Time(u.LastSeen)]);
        }

        Table(sb, ["PROVIDER", "MODEL", "REQUESTS", "LAST SEEN"], rows, rightAlignFrom: 2, rightAlignTo: 2);
        sb.Append("\nAdd rows to pricing.overrides (same schema as `tokenops pricing show --json`).\n");
        return sb.ToString();
    }

    internal static string Sparkline(IReadOnlyList<decimal> values)
    {
        var max = Max(values);
        var sb = new StringBuilder(values.Count);
        foreach (var v in values)
        {
            var index = max <= 0 ? 0 : (int)Math.Round(v / max * (Spark.Length - 1));
            sb.Append(Spark[Math.Clamp(index, 0, Spark.Length - 1)]);
        }

        return sb.ToString();
    }

    internal static string Bar(decimal value, decimal max)
    {
        var width = max <= 0 ? 0 : (int)Math.Round(value / max * BarWidth);
        return new string('█', width) + new string(' ', BarWidth - width);
    }

    internal static string Usd(decimal value) => "$" + value.ToString(value != 0 && Math.Abs(value) < 0.01m ? "#,0.00####" : "#,0.00", Inv);

    private static string Rate(decimal? value) => value is { } v ? v.ToString("0.00###", Inv) : "—";

    private static string Num(long value) => value.ToString("#,0", Inv);

    private static string Pct(double value) => (value * 100).ToString("0.0", Inv) + "%";

    private static string Time(DateTimeOffset value) => value.ToString("yyyy-MM-dd HH:mm", Inv);

    private static string State(string state) => state switch
    {
        BudgetStates.Exceeded => "EXCEEDED",
        BudgetStates.Critical => "critical",
        _ => state,
    };

    private static string Filters(BudgetStatus b)
    {
        var parts = new List<string>(4);
        if (b.Provider is not null) { parts.Add("provider=" + b.Provider); }
        if (b.Model is not null) { parts.Add("model=" + b.Model); }
        if (b.Workflow is not null) { parts.Add("workflow=" + b.Workflow); }
        if (b.Agent is not null) { parts.Add("agent=" + b.Agent); }
        return parts.Count == 0 ? "all" : string.Join(' ', parts);
    }

    private static string Tiers(RateRow row)
    {
        if (row.Tiers is not { Count: > 0 } tiers)
        {
            return "—";
        }

        var t = tiers[0];
        return string.Create(Inv, $">{t.AbovePromptTokens / 1000}k: {Rate(t.Input)}/{Rate(t.Output)}");
    }

    private static decimal Max(IReadOnlyList<decimal> values)
    {
        decimal max = 0;
        foreach (var v in values)
        {
            max = Math.Max(max, v);
        }

        return max;
    }

    /// <summary>Aligned columns; numeric columns [rightAlignFrom, rightAlignTo] are right-aligned.</summary>
    private static void Table(StringBuilder sb, string[] headers, IReadOnlyList<string[]> rows, int rightAlignFrom, int rightAlignTo = int.MaxValue)
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
                if (c > 0)
                {
                    line.Append("  ");
                }

                var right = c >= rightAlignFrom && c <= rightAlignTo;
                line.Append(right ? cells[c].PadLeft(widths[c]) : cells[c].PadRight(widths[c]));
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
