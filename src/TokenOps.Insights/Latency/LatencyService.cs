using System.Globalization;
using System.Text;
using TokenOps.Insights.Store;

namespace TokenOps.Insights.Latency;

/// <summary>
/// Latency and time-to-first-token percentiles per provider/model, aggregated IN SQL: one range scan builds a log-linear
/// histogram per group (32 sub-buckets per power of two, like HdrHistogram), so a million events never leave SQLite as
/// rows; the percentiles are read off the histogram here. Cache hits are excluded: they never reached a provider.
/// </summary>
public sealed class LatencyService(InsightsOptions options)
{
    /// <summary>Sub-buckets per octave: bucket width / value ≤ 1/32, reported value is the bucket's midpoint → ±1/64.</summary>
    internal const int SubBucketBits = 5;

    /// <summary>Half the relative width of a bucket.</summary>
    public const double RelativeError = 1.0 / (2 << SubBucketBits);

    private static readonly string BucketExpression = BuildBucketExpression();

    public LatencyReport GetReport(EventFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        using var connection = InsightsStore.OpenReadOnly(options.StorePath);
        var latency = Histograms(connection, filter, "latency_ms");
        var ttft = Histograms(connection, filter, "ttft_ms");

        var groups = new List<LatencyGroup>(latency.Count);
        var allLatency = new Histogram();
        var allTtft = new Histogram();
        foreach (var (key, histogram) in latency)
        {
            allLatency.Merge(histogram);
            ttft.TryGetValue(key, out var t);
            groups.Add(new LatencyGroup { Provider = key.Provider, Model = key.Model, Latency = histogram.Stats(), TimeToFirstToken = t?.Stats() });
        }

        foreach (var (key, histogram) in ttft)
        {
            allTtft.Merge(histogram);
            if (!latency.ContainsKey(key))
            {
                groups.Add(new LatencyGroup { Provider = key.Provider, Model = key.Model, Latency = new Histogram().Stats(), TimeToFirstToken = histogram.Stats() });
            }
        }

        groups.Sort(static (a, b) => b.Latency.Count != a.Latency.Count
            ? b.Latency.Count.CompareTo(a.Latency.Count)
            : string.CompareOrdinal(a.Provider + "/" + a.Model, b.Provider + "/" + b.Model));
        return new LatencyReport
        {
            Since = filter.Since,
            Until = filter.Until,
            IncludeDemo = filter.IncludeDemo,
            RelativeError = Math.Round(RelativeError, 4),
            Overall = new LatencyGroup { Provider = "(all)", Model = "(all)", Latency = allLatency.Stats(), TimeToFirstToken = allTtft.Count > 0 ? allTtft.Stats() : null },
            Groups = groups,
        };
    }

    private static Dictionary<(string Provider, string Model), Histogram> Histograms(Microsoft.Data.Sqlite.SqliteConnection connection, EventFilter filter, string column)
    {
        using var command = connection.CreateCommand();
        var sql = new StringBuilder("SELECT provider, COALESCE(model, '(unknown)'), ")
            .Append(BucketExpression.Replace("$v", "CAST(" + column + " AS INTEGER)", StringComparison.Ordinal))
            .Append(", COUNT(*), SUM(").Append(column).Append("), MAX(").Append(column).Append(") FROM prompt_events");
        filter.AppendWhere(sql, command);
        sql.Append(" AND cache_hit = 0 AND ").Append(column).Append(" IS NOT NULL AND ").Append(column).Append(" >= 0 GROUP BY 1, 2, 3");
        command.CommandText = sql.ToString();
        var result = new Dictionary<(string, string), Histogram>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var key = (reader.GetString(0), reader.GetString(1));
            if (!result.TryGetValue(key, out var histogram))
            {
                result[key] = histogram = new Histogram();
            }

            histogram.Add(reader.GetInt64(2), reader.GetInt64(3), reader.GetDouble(4), reader.GetDouble(5));
        }

        return result;
    }

    /// <summary>
    /// Lower bound of the value's bucket in integer milliseconds: exact below 2^(bits+1) ms, then 2^bits buckets per power of two
    /// up to 2^40 ms (integer shifts only, so it runs on any SQLite build, with or without the math functions).
    /// </summary>
    internal static string BuildBucketExpression()
    {
        var sb = new StringBuilder("CASE WHEN $v < ").Append(1L << (SubBucketBits + 1)).Append(" THEN $v");
        for (var k = SubBucketBits + 1; k < 40; k++)
        {
            var shift = k - SubBucketBits;
            sb.Append(" WHEN $v < ").Append((1L << (k + 1)).ToString(CultureInfo.InvariantCulture))
                .Append(" THEN ($v >> ").Append(shift).Append(") << ").Append(shift);
        }

        return sb.Append(" ELSE $v END").ToString();
    }

    /// <summary>Bucket lower bound → its width (the same arithmetic as the SQL expression).</summary>
    internal static long BucketWidth(long lower)
    {
        if (lower < 1L << (SubBucketBits + 1))
        {
            return 1;
        }

        var k = 63 - (int)long.LeadingZeroCount(lower);
        return 1L << (k - SubBucketBits);
    }

    /// <summary>A sparse histogram of one group; percentiles by nearest rank (the ⌈p·n⌉-th smallest value).</summary>
    internal sealed class Histogram
    {
        private readonly SortedDictionary<long, long> _buckets = [];
        private double _sum;
        private double _max;

        public long Count { get; private set; }

        public void Add(long bucket, long count, double sum, double max)
        {
            _buckets[bucket] = _buckets.TryGetValue(bucket, out var c) ? c + count : count;
            Count += count;
            _sum += sum;
            _max = Math.Max(_max, max);
        }

        public void Merge(Histogram other)
        {
            foreach (var (bucket, count) in other._buckets)
            {
                _buckets[bucket] = _buckets.TryGetValue(bucket, out var c) ? c + count : count;
            }

            Count += other.Count;
            _sum += other._sum;
            _max = Math.Max(_max, other._max);
        }

        public LatencyStats Stats() => Count == 0
            ? new LatencyStats()
            : new LatencyStats
            {
                Count = Count,
                MeanMs = Math.Round(_sum / Count, 1),
                P50Ms = Percentile(0.50),
                P95Ms = Percentile(0.95),
                P99Ms = Percentile(0.99),
                MaxMs = Math.Round(_max, 1),
            };

        internal double Percentile(double p)
        {
            var rank = (long)Math.Ceiling(p * Count);
            long seen = 0;
            foreach (var (bucket, count) in _buckets)
            {
                seen += count;
                if (seen >= rank)
                {
                    // Midpoint of the bucket, never above the true maximum (the top bucket is often sparse).
                    var width = BucketWidth(bucket);
                    var mid = width == 1 ? bucket + 0.5 : bucket + (width / 2.0);
                    return Math.Round(Math.Min(mid, _max), 1);
                }
            }

            return Math.Round(_max, 1);
        }
    }
}
