using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using TokenOps.Core.Pricing;
using TokenOps.Insights.Store;

namespace TokenOps.Insights.Spend;

/// <summary>
/// Spend reports, aggregated IN SQL over the ts index (ix_prompt_events_ts): the store returns one row per group or per
/// 15-minute bucket, never raw events, so a report over a million events costs one indexed range scan.
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
        var totals = QueryTotals(connection, filter);
        var (groups, groupCount) = query.GroupBy is SpendGroupings.Day or SpendGroupings.Hour
            ? TimeGroups(connection, filter, query.GroupBy == SpendGroupings.Hour, totals.CostUsd)
            : CategoryGroups(connection, filter, query.GroupBy, Math.Max(1, query.Top), totals.CostUsd);

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
            Daily = DailySeries(connection, filter),
            Unpriced = Unpriced(connection, filter, rateCard: null),
        };
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

    private (IReadOnlyList<SpendGroup>, int) TimeGroups(SqliteConnection connection, EventFilter filter, bool hourly, decimal totalCost)
    {
        using var command = connection.CreateCommand();
        var sql = new StringBuilder("SELECT ts_ms / ").Append(BucketMs).Append(", ").Append(TotalsColumns).Append(" FROM prompt_events");
        filter.AppendWhere(sql, command);
        sql.Append(" GROUP BY 1 ORDER BY 1");
        command.CommandText = sql.ToString();
        var folded = new SortedDictionary<DateTime, SpendTotals>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var local = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0) * BucketMs), options.TimeZone).DateTime;
                var key = hourly ? new DateTime(local.Year, local.Month, local.Day, local.Hour, 0, 0) : local.Date;
                var totals = ReadTotals(reader, 1);
                folded[key] = folded.TryGetValue(key, out var existing) ? Add(existing, totals) : totals;
            }
        }

        var groups = new List<SpendGroup>(folded.Count);
        foreach (var (key, totals) in folded)
        {
            groups.Add(new SpendGroup
            {
                Key = key.ToString(hourly ? "yyyy-MM-dd'T'HH:00" : "yyyy-MM-dd", CultureInfo.InvariantCulture),
                Totals = totals,
                Share = Share(totals.CostUsd, totalCost),
            });
        }

        return (groups, groups.Count);
    }

    internal List<DailyCost> DailySeries(SqliteConnection connection, EventFilter filter)
    {
        var first = TimeRange.LocalDate(filter.Since, options.TimeZone);
        var last = TimeRange.LocalDate(filter.Until.AddTicks(-1), options.TimeZone);
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

    private static List<UnpricedModel> Unpriced(SqliteConnection connection, EventFilter filter, RateCard? rateCard) =>
        Unpriced(connection, filter, rateCard, out _);

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

    private static SpendTotals Add(SpendTotals a, SpendTotals b) => new()
    {
        Requests = a.Requests + b.Requests,
        CacheHits = a.CacheHits + b.CacheHits,
        Errors = a.Errors + b.Errors,
        InputTokens = a.InputTokens + b.InputTokens,
        OutputTokens = a.OutputTokens + b.OutputTokens,
        CachedInputTokens = a.CachedInputTokens + b.CachedInputTokens,
        CacheWriteTokens = a.CacheWriteTokens + b.CacheWriteTokens,
        ReasoningTokens = a.ReasoningTokens + b.ReasoningTokens,
        CostUsd = a.CostUsd + b.CostUsd,
        SavedUsd = a.SavedUsd + b.SavedUsd,
        UnpricedRequests = a.UnpricedRequests + b.UnpricedRequests,
    };

    /// <summary>Store money is REAL; reports are decimal rounded to the micro-dollar so float noise never shows.</summary>
    internal static decimal Money(double value) => Math.Round((decimal)value, 6);

    private static double Share(decimal part, decimal total) => total <= 0 ? 0 : Math.Round((double)(part / total), 4);
}
