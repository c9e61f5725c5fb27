namespace TokenOps.Otlp.Mapping;

internal enum AttributeKind : byte
{
    String,
    Bool,
    Int,
    Double,
    StringArray,
}

/// <summary>One OTLP KeyValue with the AnyValue kinds we emit (common.proto AnyValue).</summary>
internal readonly struct OtlpAttribute
{
    private OtlpAttribute(string key, AttributeKind kind, string? s, long i, double d, string[]? array)
    {
        Key = key;
        Kind = kind;
        StringValue = s;
        IntValue = i;
        DoubleValue = d;
        ArrayValue = array;
    }

    public string Key { get; }
    public AttributeKind Kind { get; }
    public string? StringValue { get; }
    public long IntValue { get; }
    public double DoubleValue { get; }
    public string[]? ArrayValue { get; }
    public bool BoolValue => IntValue != 0;

    public static OtlpAttribute Of(string key, string value) => new(key, AttributeKind.String, value, 0, 0, null);

    public static OtlpAttribute Of(string key, long value) => new(key, AttributeKind.Int, null, value, 0, null);

    public static OtlpAttribute Of(string key, double value) => new(key, AttributeKind.Double, null, 0, value, null);

    public static OtlpAttribute Of(string key, bool value) => new(key, AttributeKind.Bool, null, value ? 1 : 0, 0, null);

    public static OtlpAttribute Of(string key, string[] value) => new(key, AttributeKind.StringArray, null, 0, 0, value);
}

/// <summary>Resource and scope shared by every request of one sink.</summary>
internal sealed class ResourceInfo(IReadOnlyList<OtlpAttribute> attributes, string scopeName, string scopeVersion)
{
    public IReadOnlyList<OtlpAttribute> Attributes { get; } = attributes;
    public string ScopeName { get; } = scopeName;
    public string ScopeVersion { get; } = scopeVersion;
}

internal sealed class SpanEventData(ulong timeUnixNano, string name, List<OtlpAttribute> attributes)
{
    public ulong TimeUnixNano { get; } = timeUnixNano;
    public string Name { get; } = name;
    public List<OtlpAttribute> Attributes { get; } = attributes;
}

/// <summary>trace.proto Span, already mapped from a PromptEvent.</summary>
internal sealed class SpanData
{
    public required byte[] TraceId { get; init; }
    public required byte[] SpanId { get; init; }
    public byte[]? ParentSpanId { get; init; }
    public required string Name { get; init; }
    /// <summary>SpanKind: 3 = SPAN_KIND_CLIENT.</summary>
    public int Kind { get; init; } = 3;
    public ulong StartTimeUnixNano { get; init; }
    public ulong EndTimeUnixNano { get; init; }
    public List<OtlpAttribute> Attributes { get; } = new(32);
    public List<SpanEventData> Events { get; } = [];
    /// <summary>Status.code: 0 unset, 1 ok, 2 error.</summary>
    public int StatusCode { get; set; }
    public string? StatusMessage { get; set; }
}

/// <summary>logs.proto LogRecord, for envelope types that are not prompts (optimization, workflow, coaching).</summary>
internal sealed class LogData
{
    public ulong TimeUnixNano { get; init; }
    public ulong ObservedTimeUnixNano { get; init; }
    /// <summary>SeverityNumber 9 = INFO.</summary>
    public int SeverityNumber { get; init; } = 9;
    public string SeverityText { get; init; } = "INFO";
    public required string EventName { get; init; }
    public string? Body { get; init; }
    public List<OtlpAttribute> Attributes { get; } = [];
}

/// <summary>Everything one bus batch turns into; encoded and sent by the export loop.</summary>
internal sealed class ExportBatch(List<SpanData> spans, List<LogData> logs)
{
    public List<SpanData> Spans { get; } = spans;
    public List<LogData> Logs { get; } = logs;
    /// <summary>Set by the export loop: first attempt time, for the max-elapsed retry bound.</summary>
    public long FirstAttemptTimestamp { get; set; }
}

internal enum MetricKind : byte
{
    Histogram,
    MonotonicSum,
}

internal sealed class HistogramPoint(IReadOnlyList<OtlpAttribute> attributes, ulong[] bucketCounts, ulong count, double sum, double min, double max)
{
    public IReadOnlyList<OtlpAttribute> Attributes { get; } = attributes;
    public ulong[] BucketCounts { get; } = bucketCounts;
    public ulong Count { get; } = count;
    public double Sum { get; } = sum;
    public double Min { get; } = min;
    public double Max { get; } = max;
}

internal sealed class SumPoint(IReadOnlyList<OtlpAttribute> attributes, double value)
{
    public IReadOnlyList<OtlpAttribute> Attributes { get; } = attributes;
    public double Value { get; } = value;
}

/// <summary>One metrics.proto Metric (histogram or monotonic sum), cumulative temporality.</summary>
internal sealed class MetricData
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required string Unit { get; init; }
    public MetricKind Kind { get; init; }
    public double[] ExplicitBounds { get; init; } = [];
    public ulong StartTimeUnixNano { get; init; }
    public ulong TimeUnixNano { get; init; }
    public List<HistogramPoint> HistogramPoints { get; } = [];
    public List<SumPoint> SumPoints { get; } = [];
    public int PointCount => Kind == MetricKind.Histogram ? HistogramPoints.Count : SumPoints.Count;
}

internal static class UnixNanos
{
    public static ulong From(DateTimeOffset time)
    {
        var ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return ticks <= 0 ? 0 : (ulong)ticks * 100UL;
    }
}
