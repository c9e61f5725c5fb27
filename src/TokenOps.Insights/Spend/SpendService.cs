using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using TokenOps.Core.Pricing;
using TokenOps.Insights.Store;

namespace TokenOps.Insights.Spend;

/// <summary>
/// Spend reports, aggregated IN SQL over the ts index (ix_prompt_events_ts): the store returns one row per
/// (15-minute bucket, provider, model), never raw events, and the report folds those, so a report over a million events
/// costs one indexed range scan (plus a short one for the last 24 h, and one more for workflow/agent/session groupings).
/// </summary>
public sealed class SpendService(InsightsOptions options)
{
    /// <summary>Time buckets come back from SQL at 15 minutes (every real UTC offset is a multiple) and fold into local days/hours here, DST-correct.</summary>
    internal const long BucketMs = 15 * 60 * 1000;

    private const string TotalsColumns = """
        COUNT(*),
        COALESCE(SUM(cache_hit), 0),
        COALESCE(SUM(CASE WHEN status_code >= 400 OR proxy_error IS NOT NULL THEN 1 ELSE 0 END), 0),
        COALESCE(SUM(CASE WHEN cache_hit = 0 THEN input_tokens END), 0),
        COALESCE(SUM(CASE WHEN cache_hit = 0 THEN output_tokens END), 0),
        COALESCE(SUM(CASE WHEN cache_hit = 0 THEN cached_input_tokens END), 0),
        COALESCE(SUM(CASE WHEN cache_hit = 0 THEN cache_write_input_tokens END), 0),
        COALESCE(SUM(CASE WHEN cache_hit = 0 THEN reasoning_tokens END), 0),
        COALESCE(SUM(cost_usd), 0.0),
        COALESCE(SUM(saved_usd), 0.0),
        COALESCE(SUM(CASE WHEN cost_usd IS NULL AND cache_hit = 0 THEN 1 ELSE 0 END), 0)
        """;

    public SpendReport GetReport(SpendQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!SpendGroupings.All.Contains(query.GroupBy))
        {
            throw new ArgumentException($"--by must be one of {string.Join("|", SpendGroupings.All)}, not '{query.GroupBy}'", nameof(query));
        }

        using var connection = InsightsStore.OpenReadOnly(options.StorePath);
        var filter = query.Filter;

        // One range scan answers the totals, the model/provider/day/hour groups, the daily series and the unpriced list:
        // rows come back per (15-minute bucket, provider, model) and fold here. Four separate GROUP BY passes each sorted
        // every row in range (≈1.1–1.6 s apiece over a million events); this is one sort over them.
        var facts = QueryFacts(connection, filter);
        var all = new Accumulator();
        facts.ForEach(all.Add);
        var totals = all.ToTotals();
        var (groups, groupCount) = query.GroupBy switch
        {
            SpendGroupings.Day or SpendGroupings.Hour => TimeGroups(facts, query.GroupBy == SpendGroupings.Hour, totals.CostUsd),
            SpendGroupings.Model or SpendGroupings.Provider => FactGroups(facts, query.GroupBy == SpendGroupings.Model, Math.Max(1, query.Top), totals.CostUsd),
            _ => CategoryGroups(connection, filter, query.GroupBy, Math.Max(1, query.Top), totals.CostUsd),
        };

        var now = options.Time.GetUtcNow();
        var burnFilter = filter with { Since = now.AddHours(-24), Until = now };
        var burn = QueryTotals(connection, burnFilter);
        return new SpendReport
        {
            Since = filter.Since,
            Until = filter.Until,
            GroupBy = query.GroupBy,
            IncludeDemo = filter.IncludeDemo,
            Totals = totals,
            Groups = groups,
            GroupCount = groupCount,
            BurnRate = new BurnRate
            {
                Since = burnFilter.Since,
                Last24hUsd = burn.CostUsd,
                UsdPerHour = Math.Round(burn.CostUsd / 24m, 6),
                Requests = burn.Requests,
            },
            Daily = DailySeries(facts, filter),
            Unpriced = UnpricedFromFacts(facts),
        };
    }

    /// <summary>One row per (15-minute bucket, provider, model) in range: the raw sums every part of the report folds from.</summary>
    private static List<Fact> QueryFacts(SqliteConnection connection, EventFilter filter)
    {
        using var command = connection.CreateCommand();
        var sql = new StringBuilder("SELECT ts_ms / ").Append(BucketMs).Append(", provider, model, ").Append(TotalsColumns)
            .Append(", SUM(CASE WHEN pricing_status = 'unpriced' THEN 1 ELSE 0 END), MAX(ts_ms) FROM prompt_events");
        // Grouped in the covering index's key order (migration 0003): no temp B-tree over every row in range. The planner
        // prefers the ts index on its own, hence the hint; a store without the index (not yet migrated) still works.
        if (HasReportIndex(connection))
        {
            sql.Append(" INDEXED BY ix_prompt_events_report");
        }

        filter.AppendWhere(sql, command);
        sql.Append(" GROUP BY provider, model, ts_ms / ").Append(BucketMs);
        command.CommandText = sql.ToString();
        var facts = new List<Fact>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            facts.Add(new Fact(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                RawSums.Read(reader, 3),
                reader.GetInt64(14),
                reader.GetInt64(15)));
        }

        return facts;
    }

    internal static bool HasReportIndex(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'ix_prompt_events_report'";
        return command.ExecuteScalar() is not null;
    }

    /// <summary>By model (key = model, per provider) or by provider, ordered like SQL did: cost desc, requests desc, key.</summary>
    private static (IReadOnlyList<SpendGroup>, int) FactGroups(List<Fact> facts, bool byModel, int top, decimal totalCost)
    {
        var folded = Fold(facts, f => (f.Provider, Model: byModel ? f.Model : null));
        var ordered = byModel
            ? folded.Select(static kv => (Key: kv.Key.Model ?? "(unknown)", kv.Key.Provider, Acc: kv.Value)).ToList()
            : folded.Select(static kv => (Key: kv.Key.Provider, kv.Key.Provider, Acc: kv.Value)).ToList();

        ordered.Sort(static (a, b) =>
        {
            var byCost = b.Acc.Sums.CostUsd.CompareTo(a.Acc.Sums.CostUsd);
            if (byCost != 0)
            {
                return byCost;
            }

            var byCount = b.Acc.Sums.Requests.CompareTo(a.Acc.Sums.Requests);
            return byCount != 0 ? byCount : string.CompareOrdinal(a.Key, b.Key);
        });
        var groups = new List<SpendGroup>(Math.Min(top, ordered.Count));
        foreach (var (key, provider, acc) in ordered.Take(top))
        {
            var totals = acc.ToTotals();
            groups.Add(new SpendGroup
            {
                Key = key,
                Provider = byModel ? provider : null,
                Totals = totals,
                Share = Share(totals.CostUsd, totalCost),
            });
        }

        return (groups, ordered.Count);
    }

    /// <summary>Daily cost for every local day in the filter's range, zero-filled.</summary>
    public IReadOnlyList<DailyCost> GetDaily(EventFilter filter)
    {
        using var connection = InsightsStore.OpenReadOnly(options.StorePath);
        return DailySeries(connection, filter);
    }

    /// <summary>Models seen in the store (all time, demo included) that <see cref="InsightsOptions.RateCard"/> cannot price.</summary>
    public PricingCheckReport CheckPricing()
    {
        using var connection = InsightsStore.OpenReadOnly(options.StorePath);
        var filter = new EventFilter { Since = DateTimeOffset.UnixEpoch, Until = DateTimeOffset.MaxValue.AddDays(-1), IncludeDemo = true };
        var unpriced = Unpriced(connection, filter, options.RateCard, out var seen);
        return new PricingCheckReport { RateCardVersion = options.RateCard.Version, ModelsSeen = seen, Unpriced = unpriced };
    }

    internal static SpendTotals QueryTotals(SqliteConnection connection, EventFilter filter)
    {
        using var command = connection.CreateCommand();
        var sql = new StringBuilder("SELECT ").Append(TotalsColumns).Append(" FROM prompt_events");
        filter.AppendWhere(sql, command);
        command.CommandText = sql.ToString();
        using var reader = command.ExecuteReader();
        reader.Read();
        return ReadTotals(reader, 0);
    }

    private (IReadOnlyList<SpendGroup>, int) CategoryGroups(SqliteConnection connection, EventFilter filter, string by, int top, decimal totalCost)
    {
        var (keyExpr, groupExpr) = by switch
        {
            SpendGroupings.Model => ("COALESCE(model, '(unknown)')", "provider, model"),
            SpendGroupings.Provider => ("provider", "provider"),
            SpendGroupings.Workflow => ("COALESCE(workflow_id, '(none)')", "workflow_id"),
            SpendGroupings.Agent => ("COALESCE(agent_id, '(none)')", "agent_id"),
            _ => ("COALESCE(session_id, '(none)')", "session_id"),
        };
        using var command = connection.CreateCommand();
        var sql = new StringBuilder("SELECT ").Append(keyExpr).Append(", ")
            .Append(by == SpendGroupings.Model ? "provider" : "NULL").Append(", ").Append(TotalsColumns)
            .Append(", COUNT(*) OVER () FROM prompt_events");
        filter.AppendWhere(sql, command);
        sql.Append(" GROUP BY ").Append(groupExpr)
            .Append(" ORDER BY COALESCE(SUM(cost_usd), 0.0) DESC, COUNT(*) DESC, 1 LIMIT $top");
        command.Parameters.AddWithValue("$top", top);
        command.CommandText = sql.ToString();
        var groups = new List<SpendGroup>();
        var count = 0;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var totals = ReadTotals(reader, 2);
            count = reader.GetInt32(13);
            groups.Add(new SpendGroup
            {
                Key = reader.GetString(0),
                Provider = reader.IsDBNull(1) ? null : reader.GetString(1),
                Totals = totals,
                Share = Share(totals.CostUsd, totalCost),
            });
        }

        return (groups, count);
    }

    private (IReadOnlyList<SpendGroup>, int) TimeGroups(List<Fact> facts, bool hourly, decimal totalCost)
    {
        var folded = Fold(facts, f =>
        {
            var local = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(f.Bucket * BucketMs), options.TimeZone).DateTime;
            return hourly ? new DateTime(local.Year, local.Month, local.Day, local.Hour, 0, 0) : local.Date;
        });

        var groups = new List<SpendGroup>(folded.Count);
        foreach (var (key, acc) in folded.OrderBy(static kv => kv.Key))
        {
            var totals = acc.ToTotals();
            groups.Add(new SpendGroup
            {
                Key = key.ToString(hourly ? "yyyy-MM-dd'T'HH:00" : "yyyy-MM-dd", CultureInfo.InvariantCulture),
                Totals = totals,
                Share = Share(totals.CostUsd, totalCost),
            });
        }

        return (groups, groups.Count);
    }

    private List<DailyCost> DailySeries(List<Fact> facts, EventFilter filter)
    {
        var days = Fold(facts, f => TimeRange.LocalDate(DateTimeOffset.FromUnixTimeMilliseconds(f.Bucket * BucketMs), options.TimeZone));
        return ZeroFilled(days.ToDictionary(static kv => kv.Key, static kv => (Money(kv.Value.Sums.CostUsd), Money(kv.Value.Sums.SavedUsd), kv.Value.Sums.Requests)), filter);
    }

    internal List<DailyCost> DailySeries(SqliteConnection connection, EventFilter filter)
    {
        var days = new Dictionary<DateOnly, (decimal Cost, decimal Saved, long Requests)>();
        using (var command = connection.CreateCommand())
        {
            var sql = new StringBuilder("SELECT ts_ms / ").Append(BucketMs)
                .Append(", COALESCE(SUM(cost_usd), 0.0), COALESCE(SUM(saved_usd), 0.0), COUNT(*) FROM prompt_events");
            filter.AppendWhere(sql, command);
            sql.Append(" GROUP BY 1");
            command.CommandText = sql.ToString();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var day = TimeRange.LocalDate(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0) * BucketMs), options.TimeZone);
                days.TryGetValue(day, out var acc);
                days[day] = (acc.Cost + Money(reader.GetDouble(1)), acc.Saved + Money(reader.GetDouble(2)), acc.Requests + reader.GetInt64(3));
            }
        }

        return ZeroFilled(days, filter);
    }

    /// <summary>Every local day of the filter's range, zero where nothing happened (empty for an inverted or &gt;10-year range).</summary>
    private List<DailyCost> ZeroFilled(Dictionary<DateOnly, (decimal Cost, decimal Saved, long Requests)> days, EventFilter filter)
    {
        var first = TimeRange.LocalDate(filter.Since, options.TimeZone);
        var last = TimeRange.LocalDate(filter.Until.AddTicks(-1), options.TimeZone);
        var series = new List<DailyCost>();
        if (last < first || last.DayNumber - first.DayNumber > 3660)
        {
            return series;
        }

        for (var d = first; d <= last; d = d.AddDays(1))
        {
            days.TryGetValue(d, out var v);
            series.Add(new DailyCost { Date = d, CostUsd = v.Cost, SavedUsd = v.Saved, Requests = v.Requests });
        }

        return series;
    }

    /// <summary>Models whose stored events say pricing_status='unpriced', most requests first (as the SQL variant orders).</summary>
    private static List<UnpricedModel> UnpricedFromFacts(List<Fact> facts)
    {
        var folded = Fold(facts, static f => (f.Provider, Model: f.Model ?? "(unknown)"));
        return folded
            .Where(static kv => kv.Value.StatusUnpriced > 0)
            .OrderByDescending(static kv => kv.Value.Sums.Requests)
            .ThenBy(static kv => kv.Key.Provider, StringComparer.Ordinal)
            .ThenBy(static kv => kv.Key.Model, StringComparer.Ordinal)
            .Select(static kv => new UnpricedModel
            {
                Provider = kv.Key.Provider,
                Model = kv.Key.Model,
                Requests = kv.Value.StatusUnpriced,
                LastSeen = DateTimeOffset.FromUnixTimeMilliseconds(kv.Value.LastTs),
            })
            .ToList();
    }

    /// <summary>
    /// Without a rate card: models whose stored events say pricing_status='unpriced'. With one: every distinct model in range
    /// that the card cannot price now (what <c>pricing check</c> reports).
    /// </summary>
    private static List<UnpricedModel> Unpriced(SqliteConnection connection, EventFilter filter, RateCard? rateCard, out long modelsSeen)
    {
        using var command = connection.CreateCommand();
        var sql = new StringBuilder("SELECT provider, COALESCE(model, '(unknown)'), COUNT(*), MAX(ts_ms), ")
            .Append("SUM(CASE WHEN pricing_status = 'unpriced' THEN 1 ELSE 0 END) FROM prompt_events");
        filter.AppendWhere(sql, command);
        sql.Append(" GROUP BY provider, model ORDER BY 3 DESC");
        command.CommandText = sql.ToString();
        var result = new List<UnpricedModel>();
        modelsSeen = 0;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            modelsSeen++;
            var provider = reader.GetString(0);
            var model = reader.GetString(1);
            var unpricedCount = reader.GetInt64(4);
            var isUnpriced = rateCard is null ? unpricedCount > 0 : rateCard.Find(provider, model) is null;
            if (isUnpriced)
            {
                result.Add(new UnpricedModel
                {
                    Provider = provider,
                    Model = model,
                    Requests = rateCard is null ? unpricedCount : reader.GetInt64(2),
                    LastSeen = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                });
            }
        }

        return result;
    }

    private static SpendTotals ReadTotals(SqliteDataReader r, int o) => new()
    {
        Requests = r.GetInt64(o),
        CacheHits = r.GetInt64(o + 1),
        Errors = r.GetInt64(o + 2),
        InputTokens = r.GetInt64(o + 3),
        OutputTokens = r.GetInt64(o + 4),
        CachedInputTokens = r.GetInt64(o + 5),
        CacheWriteTokens = r.GetInt64(o + 6),
        ReasoningTokens = r.GetInt64(o + 7),
        CostUsd = Money(r.GetDouble(o + 8)),
        SavedUsd = Money(r.GetDouble(o + 9)),
        UnpricedRequests = r.GetInt64(o + 10),
    };

    /// <summary>Store money is REAL; reports are decimal rounded to the micro-dollar so float noise never shows.</summary>
    internal static decimal Money(double value) => Math.Round((decimal)value, 6);

    private static double Share(decimal part, decimal total) => total <= 0 ? 0 : Math.Round((double)(part / total), 4);

    /// <summary>Folds facts by a key: every view of the report (totals, groups, days, unpriced) is one of these.</summary>
    private static Dictionary<TKey, Accumulator> Fold<TKey>(List<Fact> facts, Func<Fact, TKey> key)
        where TKey : notnull
    {
        var folded = new Dictionary<TKey, Accumulator>();
        foreach (var f in facts)
        {
            var k = key(f);
            if (!folded.TryGetValue(k, out var acc))
            {
                folded[k] = acc = new Accumulator();
            }

            acc.Add(f);
        }

        return folded;
    }

    /// <summary>
    /// One (bucket, provider, model) row of <see cref="QueryFacts"/>. <see cref="StatusUnpriced"/> counts pricing_status='unpriced'
    /// (the unpriced-model list); <see cref="RawSums.UnpricedRequests"/> counts rows without a cost (the totals' column).
    /// </summary>
    private sealed record Fact(long Bucket, string Provider, string? Model, RawSums Sums, long StatusUnpriced, long LastTs);

    /// <summary>The <see cref="TotalsColumns"/> as SQL returned them (money still REAL): folded first, rounded once at the end.</summary>
    private record struct RawSums(long Requests, long CacheHits, long Errors, long InputTokens, long OutputTokens, long CachedInputTokens,
        long CacheWriteTokens, long ReasoningTokens, double CostUsd, double SavedUsd, long UnpricedRequests)
    {
        public static RawSums Read(SqliteDataReader r, int o) => new(
            r.GetInt64(o), r.GetInt64(o + 1), r.GetInt64(o + 2), r.GetInt64(o + 3), r.GetInt64(o + 4), r.GetInt64(o + 5),
            r.GetInt64(o + 6), r.GetInt64(o + 7), r.GetDouble(o + 8), r.GetDouble(o + 9), r.GetInt64(o + 10));
    }

    private sealed class Accumulator
    {
        public RawSums Sums;

        public long StatusUnpriced;

        public long LastTs;

        public void Add(Fact f)
        {
            var s = f.Sums;
            Sums = new RawSums(
                Sums.Requests + s.Requests, Sums.CacheHits + s.CacheHits, Sums.Errors + s.Errors, Sums.InputTokens + s.InputTokens,
                Sums.OutputTokens + s.OutputTokens, Sums.CachedInputTokens + s.CachedInputTokens, Sums.CacheWriteTokens + s.CacheWriteTokens,
                Sums.ReasoningTokens + s.ReasoningTokens, Sums.CostUsd + s.CostUsd, Sums.SavedUsd + s.SavedUsd, Sums.UnpricedRequests + s.UnpricedRequests);
            StatusUnpriced += f.StatusUnpriced;
            LastTs = Math.Max(LastTs, f.LastTs);
        }

        public SpendTotals ToTotals() => new()
        {
            Requests = Sums.Requests,
            CacheHits = Sums.CacheHits,
            Errors = Sums.Errors,
            InputTokens = Sums.InputTokens,
            OutputTokens = Sums.OutputTokens,
            CachedInputTokens = Sums.CachedInputTokens,
            CacheWriteTokens = Sums.CacheWriteTokens,
            ReasoningTokens = Sums.ReasoningTokens,
            CostUsd = Money(Sums.CostUsd),
            SavedUsd = Money(Sums.SavedUsd),
            UnpricedRequests = Sums.UnpricedRequests,
        };
    }
}
