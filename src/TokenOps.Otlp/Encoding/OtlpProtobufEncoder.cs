using TokenOps.Otlp.Configuration;
using TokenOps.Otlp.Mapping;

namespace TokenOps.Otlp.Encoding;

/// <summary>
/// OTLP protobuf bodies, field numbers from opentelemetry-proto v1
/// (collector/{trace,metrics,logs}/v1/*_service.proto, trace/v1/trace.proto, metrics/v1/metrics.proto,
/// logs/v1/logs.proto, common/v1/common.proto, resource/v1/resource.proto).
/// </summary>
internal static class OtlpProtobufEncoder
{
    /// <summary>ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }.</summary>
    public static byte[] EncodeTraces(ResourceInfo resource, IReadOnlyList<SpanData> spans)
    {
        var w = new ProtoWriter(1024 + (spans.Count * 1024));
        w.BeginMessage(1); // ResourceSpans
        WriteResource(w, resource); // resource = 1
        w.BeginMessage(2); // ScopeSpans scope_spans = 2
        WriteScope(w, resource); // scope = 1
        foreach (var span in spans)
        {
            w.BeginMessage(2); // Span spans = 2
            w.Bytes(1, span.TraceId);
            w.Bytes(2, span.SpanId);
            if (span.ParentSpanId is { } parent)
            {
                w.Bytes(4, parent);
            }

            w.String(5, span.Name);
            w.UInt64(6, (ulong)span.Kind);
            w.Fixed64Always(7, span.StartTimeUnixNano);
            w.Fixed64Always(8, span.EndTimeUnixNano);
            WriteAttributes(w, 9, span.Attributes);
            foreach (var ev in span.Events)
            {
                w.BeginMessage(11); // Span.Event events = 11
                w.Fixed64(1, ev.TimeUnixNano);
                w.String(2, ev.Name);
                WriteAttributes(w, 3, ev.Attributes);
                w.EndMessage();
            }

            if (span.StatusCode != 0)
            {
                w.BeginMessage(15); // Status status = 15 { message = 2; code = 3; }
                w.String(2, span.StatusMessage);
                w.UInt64(3, (ulong)span.StatusCode);
                w.EndMessage();
            }

            w.EndMessage();
        }

        w.String(3, OtlpOptions.SchemaUrl); // ScopeSpans.schema_url = 3
        w.EndMessage();
        w.EndMessage();
        return w.ToArray();
    }

    /// <summary>ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }.</summary>
    public static byte[] EncodeLogs(ResourceInfo resource, IReadOnlyList<LogData> logs)
    {
        var w = new ProtoWriter(1024 + (logs.Count * 512));
        w.BeginMessage(1); // ResourceLogs
        WriteResource(w, resource);
        w.BeginMessage(2); // ScopeLogs scope_logs = 2
        WriteScope(w, resource);
        foreach (var log in logs)
        {
            w.BeginMessage(2); // LogRecord log_records = 2
            w.Fixed64(1, log.TimeUnixNano);
            w.UInt64(2, (ulong)log.SeverityNumber);
            w.String(3, log.SeverityText);
            if (log.Body is { } body)
            {
                w.BeginMessage(5); // AnyValue body = 5
                w.StringAlways(1, body);
                w.EndMessage();
            }

            WriteAttributes(w, 6, log.Attributes);
            w.Fixed64(11, log.ObservedTimeUnixNano);
            w.String(12, log.EventName);
            w.EndMessage();
        }

        w.String(3, OtlpOptions.SchemaUrl);
        w.EndMessage();
        w.EndMessage();
        return w.ToArray();
    }

    /// <summary>ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }.</summary>
    public static byte[] EncodeMetrics(ResourceInfo resource, IReadOnlyList<MetricData> metrics)
    {
        var w = new ProtoWriter(4096);
        w.BeginMessage(1); // ResourceMetrics
        WriteResource(w, resource);
        w.BeginMessage(2); // ScopeMetrics scope_metrics = 2
        WriteScope(w, resource);
        foreach (var metric in metrics)
        {
            w.BeginMessage(2); // Metric metrics = 2
            w.String(1, metric.Name);
            w.String(2, metric.Description);
            w.String(3, metric.Unit);
            if (metric.Kind == MetricKind.Histogram)
            {
                w.BeginMessage(9); // Histogram histogram = 9
                foreach (var point in metric.HistogramPoints)
                {
                    w.BeginMessage(1); // HistogramDataPoint data_points = 1
                    w.Fixed64(2, metric.StartTimeUnixNano);
                    w.Fixed64Always(3, metric.TimeUnixNano);
                    w.Fixed64Always(4, point.Count);
                    w.DoubleAlways(5, point.Sum);
                    w.PackedFixed64(6, point.BucketCounts);
                    w.PackedDouble(7, metric.ExplicitBounds);
                    WriteAttributes(w, 9, point.Attributes);
                    if (point.Count > 0)
                    {
                        w.DoubleAlways(11, point.Min);
                        w.DoubleAlways(12, point.Max);
                    }

                    w.EndMessage();
                }

                w.UInt64(2, 2); // aggregation_temporality = CUMULATIVE
                w.EndMessage();
            }
            else
            {
                w.BeginMessage(7); // Sum sum = 7
                foreach (var point in metric.SumPoints)
                {
                    w.BeginMessage(1); // NumberDataPoint data_points = 1
                    w.Fixed64(2, metric.StartTimeUnixNano);
                    w.Fixed64Always(3, metric.TimeUnixNano);
                    w.DoubleAlways(4, point.Value); // as_double = 4
                    WriteAttributes(w, 7, point.Attributes);
                    w.EndMessage();
                }

                w.UInt64(2, 2); // CUMULATIVE
                w.BoolAlways(3, true); // is_monotonic
                w.EndMessage();
            }

            w.EndMessage();
        }

        w.String(3, OtlpOptions.SchemaUrl);
        w.EndMessage();
        w.EndMessage();
        return w.ToArray();
    }

    /// <summary>Resource { repeated KeyValue attributes = 1; } as field 1 of the Resource* message.</summary>
    private static void WriteResource(ProtoWriter w, ResourceInfo resource)
    {
        w.BeginMessage(1);
        WriteAttributes(w, 1, resource.Attributes);
        w.EndMessage();
    }

    /// <summary>InstrumentationScope { name = 1; version = 2; } as field 1 of Scope*.</summary>
    private static void WriteScope(ProtoWriter w, ResourceInfo resource)
    {
        w.BeginMessage(1);
        w.String(1, resource.ScopeName);
        w.String(2, resource.ScopeVersion);
        w.EndMessage();
    }

    /// <summary>KeyValue { key = 1; AnyValue value = 2; }.</summary>
    private static void WriteAttributes(ProtoWriter w, int field, IReadOnlyList<OtlpAttribute> attributes)
    {
        for (var i = 0; i < attributes.Count; i++)
        {
            var a = attributes[i];
            w.BeginMessage(field);
            w.String(1, a.Key);
            w.BeginMessage(2);
            WriteAnyValue(w, a);
            w.EndMessage();
            w.EndMessage();
        }
    }

    /// <summary>AnyValue oneof { string_value = 1; bool_value = 2; int_value = 3; double_value = 4; array_value = 5; }.</summary>
    private static void WriteAnyValue(ProtoWriter w, in OtlpAttribute a)
    {
        switch (a.Kind)
        {
            case AttributeKind.String:
                w.StringAlways(1, a.StringValue ?? "");
                break;
            case AttributeKind.Bool:
                w.BoolAlways(2, a.BoolValue);
                break;
            case AttributeKind.Int:
                w.Int64Always(3, a.IntValue);
                break;
            case AttributeKind.Double:
                w.DoubleAlways(4, a.DoubleValue);
                break;
            case AttributeKind.StringArray:
                w.BeginMessage(5); // ArrayValue { repeated AnyValue values = 1; }
                foreach (var s in a.ArrayValue ?? [])
                {
                    w.BeginMessage(1);
                    w.StringAlways(1, s);
                    w.EndMessage();
                }

                w.EndMessage();
                break;
        }
    }
}
