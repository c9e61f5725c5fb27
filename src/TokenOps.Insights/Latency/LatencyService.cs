using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Data.Sqlite;
using TokenOps.Insights.Store;

namespace TokenOps.Insights.Latency;

/// <summary>
/// Latency and time-to-first-token percentiles per provider/model from one range scan: SQLite filters the rows and names
/// each row's provider/model pair by a small integer (a <c>CASE</c> over the store's catalog of pairs, so no strings are
/// read per row), and each pair's values go into a log-linear histogram here (32 sub-buckets per power of two, like
/// HdrHistogram). Rows stream through one reader and are never held: a million events cost ~1 s and a few KB, where a
/// <c>GROUP BY</c> per histogram bucket made SQLite sort every row twice (~2.8 s). Cache hits are excluded: they never
/// reached a provider.
/// </summary>
public sealed class LatencyService(InsightsOptions options)
{
    /// <summary>Sub-buckets per octave: bucket width / value ≤ 1/32, reported value is the bucket's midpoint → ±1/64.</summary>
    internal const int SubBucketBits = 5;

    /// <summary>Half the relative width of a bucket.</summary>
    public const double RelativeError = 1.0 / (2 << SubBucketBits);

    private const string UnknownModel = "(unknown)";

    public LatencyReport GetReport(EventFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        using var connection = InsightsStore.OpenReadOnly(options.StorePath);
        var pairs = Scan(connection, filter);

        var groups = new List<LatencyGroup>(pairs.Count);
        var allLatency = new Histogram();
        var allTtft = new Histogram();
        foreach (var pair in pairs)
        {
            if (pair.Latency.Count == 0 && pair.Ttft.Count == 0)
            {
                continue;
            }

            allLatency.Merge(pair.Latency);
            allTtft.Merge(pair.Ttft);
            groups.Add(new LatencyGroup
            {
                Provider = pair.Provider,
                Model = pair.Model,
                Latency = pair.Latency.Stats(),
                TimeToFirstToken = pair.Ttft.Count > 0 ? pair.Ttft.Stats() : null,
            });
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

    /// <summary>One pass over the filtered rows; returns a histogram pair per provider/model seen.</summary>
    private static List<PairHistograms> Scan(SqliteConnection connection, EventFilter filter)
    {
        // 1. The catalog names every pair the store holds; a pair written after it was read (or past its bound) gets
        //    -1 from the CASE and is looked up by its strings on that row only.
        var pairs = new List<PairHistograms>();
        var byName = new Dictionary<(string, string), int>();
        using var command = connection.CreateCommand();
        var sql = new StringBuilder("SELECT ");
        AppendPairKey(sql, command, ProviderModelCatalog.Read(connection), pairs, byName);
        sql.Append(", latency_ms, ttft_ms, provider, COALESCE(model, '").Append(UnknownModel).Append("') FROM prompt_events");

        // 2. The filter's range (ix_prompt_events_ts) and conditions; rows with neither timing are skipped in SQL.
        filter.AppendWhere(sql, command);
        sql.Append(" AND cache_hit = 0 AND (latency_ms >= 0 OR ttft_ms >= 0)");
        command.CommandText = sql.ToString();

        // 3. Stream: only integers and doubles are read per row.
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var index = reader.GetInt32(0);
            if (index < 0)
            {
                index = PairOf(reader.GetString(3), reader.GetString(4), pairs, byName);
            }

            var pair = pairs[index];
            if (!reader.IsDBNull(1) && reader.GetDouble(1) is var latency and >= 0)
            {
                pair.Latency.Add(latency);
            }

            if (!reader.IsDBNull(2) && reader.GetDouble(2) is var ttft and >= 0)
            {
                pair.Ttft.Add(ttft);
            }
        }

        return pairs;
    }

    /// <summary><c>CASE provider WHEN $p0 THEN CASE model WHEN $m0 THEN 0 … ELSE -1 END … ELSE -1 END</c> (names bound as parameters).</summary>
    private static void AppendPairKey(StringBuilder sql, SqliteCommand command, List<(string Provider, string? Model)> catalog,
        List<PairHistograms> pairs, Dictionary<(string, string), int> byName)
    {
        if (catalog.Count == 0)
        {
            sql.Append("-1");
            return;
        }

        sql.Append("CASE provider");
        string? open = null;
        foreach (var (provider, storedModel) in catalog)
        {
            var model = storedModel ?? UnknownModel;
            if (byName.ContainsKey((provider, model)))
            {
                continue; // a stored "(unknown)" and a null model are the same group
            }

            if (provider != open)
            {
                if (open is not null)
                {
                    sql.Append(" ELSE -1 END");
                }

                var p = "$p" + pairs.Count.ToString(CultureInfo.InvariantCulture);
                sql.Append(" WHEN ").Append(p).Append(" THEN CASE COALESCE(model, '").Append(UnknownModel).Append("')");
                command.Parameters.AddWithValue(p, provider);
                open = provider;
            }

            var m = "$m" + pairs.Count.ToString(CultureInfo.InvariantCulture);
            sql.Append(" WHEN ").Append(m).Append(" THEN ").Append(pairs.Count.ToString(CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue(m, model);
            byName[(provider, model)] = pairs.Count;
            pairs.Add(new PairHistograms(provider, model));
        }

        sql.Append(" ELSE -1 END ELSE -1 END");
    }

    private static int PairOf(string provider, string model, List<PairHistograms> pairs, Dictionary<(string, string), int> byName)
    {
        if (!byName.TryGetValue((provider, model), out var index))
        {
            byName[(provider, model)] = index = pairs.Count;
            pairs.Add(new PairHistograms(provider, model));
        }

        return index;
    }

    private sealed class PairHistograms(string provider, string model)
    {
        public string Provider { get; } = provider;

        public string Model { get; } = model;

        public Histogram Latency { get; } = new();

        public Histogram Ttft { get; } = new();
    }

    /// <summary>
    /// Lower bound of the value's bucket in integer milliseconds (the value truncated toward zero first): exact below
    /// 2^(bits+1) ms, then 2^bits buckets per power of two.
    /// </summary>
    internal static long BucketOf(double value)
    {
        var v = (long)value;
        if (v < 1L << (SubBucketBits + 1))
        {
            return v;
        }

        var shift = 63 - (int)long.LeadingZeroCount(v) - SubBucketBits;
        return (v >> shift) << shift;
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
        private readonly Dictionary<long, long> _buckets = [];
        private double _sum;
        private double _max;

        public long Count { get; private set; }

        public void Add(double value)
        {
            ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(_buckets, BucketOf(value), out _);
            count++;
            Count++;
            _sum += value;
            _max = Math.Max(_max, value);
        }

        public void Merge(Histogram other)
        {
            foreach (var (bucket, count) in other._buckets)
            {
                ref var mine = ref CollectionsMarshal.GetValueRefOrAddDefault(_buckets, bucket, out _);
                mine += count;
            }

            Count += other.Count;
            _sum += other._sum;
            _max = Math.Max(_max, other._max);
        }

        public LatencyStats Stats()
        {
            if (Count == 0)
            {
                return new LatencyStats();
            }

            var buckets = new long[_buckets.Count];
            _buckets.Keys.CopyTo(buckets, 0);
            Array.Sort(buckets);
            return new LatencyStats
            {
                Count = Count,
                MeanMs = Math.Round(_sum / Count, 1),
                P50Ms = Percentile(buckets, 0.50),
                P95Ms = Percentile(buckets, 0.95),
                P99Ms = Percentile(buckets, 0.99),
                MaxMs = Math.Round(_max, 1),
            };
        }

        /// <summary>The <paramref name="p"/> percentile, walking <paramref name="sorted"/> (this histogram's buckets in order).</summary>
        private double Percentile(long[] sorted, double p)
        {
            var rank = (long)Math.Ceiling(p * Count);
            long seen = 0;
            foreach (var bucket in sorted)
            {
                seen += _buckets[bucket];
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
