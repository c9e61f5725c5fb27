using System.Text;
using TokenOps.Core.Events;

namespace TokenOps.Otlp.Mapping;

/// <summary>
/// CUMULATIVE aggregation since the sink started (AggregationTemporality = 2), per attribute set.
/// Why cumulative: the collector's Prometheus exporter consumes it as-is (delta needs a deltatocumulative
/// processor), and a lost or dropped export loses nothing — the next snapshot carries the totals. Series are
/// bounded (<c>MaxMetricSeries</c> per metric); excess attribute sets fold into one
/// <c>otel.metric.overflow=true</c> series, as the OTel SDKs do.
/// </summary>
internal sealed class MetricsAggregator(EnvelopeMapper mapper, int maxSeries, ulong startTimeUnixNano)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HistogramSeries> _duration = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HistogramSeries> _tokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HistogramSeries> _ttfc = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SumSeries> _cost = new(StringComparer.Ordinal);
    private readonly StringBuilder _key = new(128);
    private long _version;
    private long _snapshotVersion;

    /// <summary>True when something was recorded since the last snapshot that was delivered.</summary>
    public bool HasUnsentChanges => Interlocked.Read(ref _version) != Interlocked.Read(ref _snapshotVersion);

    public void Record(IReadOnlyList<Envelope> batch)
    {
        lock (_lock)
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch[i].Prompt is { } e && batch[i].Type == EventTypes.Prompt)
                {
                    RecordPrompt(e);
                }
            }

            Interlocked.Increment(ref _version);
        }
    }

    private void RecordPrompt(PromptEvent e)
    {
        var common = CommonAttributes(e);
        var errorType = EnvelopeMapper.ErrorTypeOf(e);
        var durationAttributes = errorType is null ? common : [.. common, OtlpAttribute.Of(GenAiNames.ErrorType, errorType)];
        Observe(_duration, GenAiNames.DurationBuckets, durationAttributes, e.LatencyMs / 1000d);

        if (e.InputTokens is { } input)
        {
            Observe(_tokens, GenAiNames.TokenBuckets, [.. common, OtlpAttribute.Of(GenAiNames.TokenType, "input")], input);
        }

        if (e.OutputTokens is { } output)
        {
            Observe(_tokens, GenAiNames.TokenBuckets, [.. common, OtlpAttribute.Of(GenAiNames.TokenType, "output")], output);
        }

        // semconv: time_to_first_chunk SHOULD be reported for streaming calls and SHOULD NOT be otherwise.
        if (e.Stream && e.TimeToFirstTokenMs is { } ttft)
        {
            Observe(_ttfc, GenAiNames.DurationBuckets, common, ttft / 1000d);
        }

        if (e.CostUsd is { } cost && cost > 0)
        {
            var key = KeyOf(common);
            if (!_cost.TryGetValue(key, out var series))
            {
                if (_cost.Count >= maxSeries)
                {
                    key = "overflow";
                    if (!_cost.TryGetValue(key, out series))
                    {
                        series = new SumSeries([OtlpAttribute.Of("otel.metric.overflow", true)]);
                        _cost[key] = series;
                    }
                }
                else
                {
                    series = new SumSeries(common);
                    _cost[key] = series;
                }
            }

            series.Value += (double)cost;
        }
    }

    private OtlpAttribute[] CommonAttributes(PromptEvent e)
    {
        var list = new List<OtlpAttribute>(7)
        {
            OtlpAttribute.Of(GenAiNames.OperationName, GenAiNames.MapOperation(e.Operation)),
            OtlpAttribute.Of(GenAiNames.ProviderName, GenAiNames.MapProvider(e.Provider)),
        };
        if (!string.IsNullOrEmpty(e.RequestModel))
        {
            list.Add(OtlpAttribute.Of(GenAiNames.RequestModel, e.RequestModel));
        }

        if (!string.IsNullOrEmpty(e.ResponseModel))
        {
            list.Add(OtlpAttribute.Of(GenAiNames.ResponseModel, e.ResponseModel));
        }

        if (mapper.TryGetServer(e.Provider, out var host, out var port))
        {
            list.Add(OtlpAttribute.Of(GenAiNames.ServerAddress, host));
            list.Add(OtlpAttribute.Of(GenAiNames.ServerPort, (long)port));
        }

        return [.. list];
    }

    private void Observe(Dictionary<string, HistogramSeries> map, double[] bounds, OtlpAttribute[] attributes, double value)
    {
        var key = KeyOf(attributes);
        if (!map.TryGetValue(key, out var series))
        {
            if (map.Count >= maxSeries)
            {
                key = "overflow";
                if (!map.TryGetValue(key, out series))
                {
                    series = new HistogramSeries([OtlpAttribute.Of("otel.metric.overflow", true)], bounds.Length + 1);
                    map[key] = series;
                }
            }
            else
            {
                series = new HistogramSeries(attributes, bounds.Length + 1);
                map[key] = series;
            }
        }

        // Buckets are upper-inclusive: (b[i-1], b[i]] (metrics.proto HistogramDataPoint.explicit_bounds).
        var index = bounds.Length;
        for (var i = 0; i < bounds.Length; i++)
        {
            if (value <= bounds[i])
            {
                index = i;
                break;
            }
        }

        series.Buckets[index]++;
        series.Count++;
        series.Sum += value;
        series.Min = series.Count == 1 ? value : Math.Min(series.Min, value);
        series.Max = series.Count == 1 ? value : Math.Max(series.Max, value);
    }

    private string KeyOf(OtlpAttribute[] attributes)
    {
        _key.Clear();
        foreach (var attribute in attributes)
        {
            _key.Append(attribute.Key).Append('\u0001');
            _key.Append(attribute.Kind == AttributeKind.String ? attribute.StringValue : attribute.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture));
            _key.Append('\u0002');
        }

        return _key.ToString();
    }

    /// <summary>All series with their totals so far; <paramref name="version"/> is passed to <see cref="MarkSent"/> once delivered.</summary>
    public List<MetricData> Snapshot(ulong nowUnixNano, out long version)
    {
        lock (_lock)
        {
            version = Interlocked.Read(ref _version);
            var metrics = new List<MetricData>(4);
            AddHistogram(metrics, GenAiNames.MetricOperationDuration, "GenAI operation duration.", "s", GenAiNames.DurationBuckets, _duration, nowUnixNano);
            AddHistogram(metrics, GenAiNames.MetricTokenUsage, "Number of input and output tokens used.", "{token}", GenAiNames.TokenBuckets, _tokens, nowUnixNano);
            AddHistogram(metrics, GenAiNames.MetricTimeToFirstChunk, "Time to receive the first chunk of a streamed response.", "s", GenAiNames.DurationBuckets, _ttfc, nowUnixNano);
            if (_cost.Count > 0)
            {
                var metric = new MetricData
                {
                    Name = GenAiNames.MetricCost,
                    Description = "Spend on LLM calls in US dollars, from the TokenOps rate card.",
                    Unit = "USD",
                    Kind = MetricKind.MonotonicSum,
                    StartTimeUnixNano = startTimeUnixNano,
                    TimeUnixNano = nowUnixNano,
                };
                foreach (var series in _cost.Values)
                {
                    metric.SumPoints.Add(new SumPoint(series.Attributes, series.Value));
                }

                metrics.Add(metric);
            }

            return metrics;
        }
    }

    public void MarkSent(long version)
    {
        // Only move forward: a snapshot that raced with newer records leaves those records "unsent".
        long current;
        do
        {
            current = Interlocked.Read(ref _snapshotVersion);
            if (version <= current)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _snapshotVersion, version, current) != current);
    }

    private void AddHistogram(List<MetricData> metrics, string name, string description, string unit, double[] bounds, Dictionary<string, HistogramSeries> map, ulong now)
    {
        if (map.Count == 0)
        {
            return;
        }

        var metric = new MetricData
        {
            Name = name,
            Description = description,
            Unit = unit,
            Kind = MetricKind.Histogram,
            ExplicitBounds = bounds,
            StartTimeUnixNano = startTimeUnixNano,
            TimeUnixNano = now,
        };
        foreach (var series in map.Values)
        {
            metric.HistogramPoints.Add(new HistogramPoint(series.Attributes, (ulong[])series.Buckets.Clone(), series.Count, series.Sum, series.Min, series.Max));
        }

        metrics.Add(metric);
    }

    private sealed class HistogramSeries(OtlpAttribute[] attributes, int buckets)
    {
        public OtlpAttribute[] Attributes { get; } = attributes;
        public ulong[] Buckets { get; } = new ulong[buckets];
        public ulong Count { get; set; }
        public double Sum { get; set; }
        public double Min { get; set; }
        public double Max { get; set; }
    }

    private sealed class SumSeries(OtlpAttribute[] attributes)
    {
        public OtlpAttribute[] Attributes { get; } = attributes;
        public double Value { get; set; }
    }
}
