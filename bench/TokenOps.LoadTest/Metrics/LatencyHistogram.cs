using System.Diagnostics;
using System.Numerics;

namespace TokenOps.LoadTest.Metrics;

/// <summary>
/// HdrHistogram-style log-linear histogram of nanosecond values: exact below 256 ns, then 128
/// sub-buckets per power of two, so every recorded value is known to within 1/128 (&lt; 0.8 %).
/// Recording is one array increment (no allocation); each thread records into its own instance and
/// the instances are merged after the run, so there is no contention on the hot path.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 7;
    private const int SubBucketCount = 1 << SubBucketBits;
    // 2^40 ns ≈ 18 minutes: far beyond any latency we could record in a run.
    private const int MaxExponent = 40;
    private const long MaxTrackable = (1L << MaxExponent) - 1;

    private static readonly double NanosPerTick = 1_000_000_000.0 / Stopwatch.Frequency;

    private readonly long[] _counts = new long[(MaxExponent - SubBucketBits + 1) * SubBucketCount];

    public long Count { get; private set; }

    public long MaxNanos { get; private set; }

    public long MinNanos { get; private set; } = long.MaxValue;

    public double SumNanos { get; private set; }

    public static long TicksToNanos(long ticks) => (long)(ticks * NanosPerTick);

    public void RecordTicks(long ticks) => RecordNanos(TicksToNanos(ticks));

    public void RecordNanos(long nanos)
    {
        if (nanos < 0)
        {
            nanos = 0;
        }

        if (nanos > MaxTrackable)
        {
            nanos = MaxTrackable;
        }

        _counts[IndexOf(nanos)]++;
        Count++;
        SumNanos += nanos;
        if (nanos > MaxNanos)
        {
            MaxNanos = nanos;
        }

        if (nanos < MinNanos)
        {
            MinNanos = nanos;
        }
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        SumNanos += other.SumNanos;
        MaxNanos = Math.Max(MaxNanos, other.MaxNanos);
        MinNanos = Math.Min(MinNanos, other.MinNanos);
    }

    public double MeanNanos => Count == 0 ? 0 : SumNanos / Count;

    /// <summary>The value at quantile <paramref name="q"/> (0..1): the midpoint of the bucket holding
    /// the ceil(q·count)-th smallest value, clamped to the exact maximum.</summary>
    public long PercentileNanos(double q)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(q * Count));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(MaxNanos, Math.Max(MinNanos, Representative(i)));
            }
        }

        return MaxNanos;
    }

    internal static int IndexOf(long nanos)
    {
        if (nanos < 2 * SubBucketCount)
        {
            return (int)nanos;
        }

        // For v in [2^e, 2^(e+1)) with e >= 8: shift = e - 7 keeps v >> shift in [128, 256).
        var exponent = 63 - BitOperations.LeadingZeroCount((ulong)nanos);
        var shift = exponent - SubBucketBits;
        return (shift * SubBucketCount) + (int)(nanos >> shift);
    }

    internal static long LowerBound(int index)
    {
        if (index < 2 * SubBucketCount)
        {
            return index;
        }

        var shift = (index / SubBucketCount) - 1;
        return (long)(index - (shift * SubBucketCount)) << shift;
    }

    private static long Representative(int index)
    {
        if (index < 2 * SubBucketCount)
        {
            return index;
        }

        var shift = (index / SubBucketCount) - 1;
        return LowerBound(index) + ((1L << shift) / 2);
    }
}
