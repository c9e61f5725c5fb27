using System.Buffers;
using System.Globalization;
using System.Text.Json;
using TokenOps.Otlp.Configuration;
using TokenOps.Otlp.Mapping;

namespace TokenOps.Otlp.Encoding;

/// <summary>
/// OTLP/JSON bodies (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): proto3 JSON mapping
/// with lowerCamelCase names, trace/span ids as lowercase hex (not base64), enums as integers, and 64-bit
/// integers (int64, fixed64) as decimal strings. Written by hand with Utf8JsonWriter (no reflection).
/// </summary>
internal static class OtlpJsonEncoder
{
    public static byte[] EncodeTraces(ResourceInfo resource, IReadOnlyList<SpanData> spans)
    {
        var buffer = new ArrayBufferWriter<byte>(1024 + (spans.Count * 2048));
        using (var j = new Utf8JsonWriter(buffer))
        {
            j.WriteStartObject();
            j.WriteStartArray("resourceSpans");
            j.WriteStartObject();
            WriteResource(j, resource);
            j.WriteStartArray("scopeSpans");
            j.WriteStartObject();
            WriteScope(j, resource);
            j.WriteStartArray("spans");
            foreach (var span in spans)
            {
                j.WriteStartObject();
                j.WriteString("traceId", Convert.ToHexStringLower(span.TraceId));
                j.WriteString("spanId", Convert.ToHexStringLower(span.SpanId));
                if (span.ParentSpanId is { } parent)
                {
                    j.WriteString("parentSpanId", Convert.ToHexStringLower(parent));
                }

                j.WriteString("name", span.Name);
                j.WriteNumber("kind", span.Kind);
                WriteUInt64String(j, "startTimeUnixNano", span.StartTimeUnixNano);
                WriteUInt64String(j, "endTimeUnixNano", span.EndTimeUnixNano);
                WriteAttributes(j, "attributes", span.Attributes);
                if (span.Events.Count > 0)
                {
                    j.WriteStartArray("events");
                    foreach (var ev in span.Events)
                    {
                        j.WriteStartObject();
                        WriteUInt64String(j, "timeUnixNano", ev.TimeUnixNano);
                        j.WriteString("name", ev.Name);
                        WriteAttributes(j, "attributes", ev.Attributes);
                        j.WriteEndObject();
                    }

                    j.WriteEndArray();
                }

                if (span.StatusCode != 0)
                {
                    j.WriteStartObject("status");
                    if (!string.IsNullOrEmpty(span.StatusMessage))
                    {
                        j.WriteString("message", span.StatusMessage);
                    }

                    j.WriteNumber("code", span.StatusCode);
                    j.WriteEndObject();
                }

                j.WriteEndObject();
            }

            j.WriteEndArray();
            j.WriteString("schemaUrl", OtlpOptions.SchemaUrl);
            j.WriteEndObject();
            j.WriteEndArray();
            j.WriteEndObject();
            j.WriteEndArray();
            j.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] EncodeLogs(ResourceInfo resource, IReadOnlyList<LogData> logs)
    {
        var buffer = new ArrayBufferWriter<byte>(1024 + (logs.Count * 1024));
        using (var j = new Utf8JsonWriter(buffer))
        {
            j.WriteStartObject();
            j.WriteStartArray("resourceLogs");
            j.WriteStartObject();
            WriteResource(j, resource);
            j.WriteStartArray("scopeLogs");
            j.WriteStartObject();
            WriteScope(j, resource);
            j.WriteStartArray("logRecords");
            foreach (var log in logs)
            {
                j.WriteStartObject();
                WriteUInt64String(j, "timeUnixNano", log.TimeUnixNano);
                WriteUInt64String(j, "observedTimeUnixNano", log.ObservedTimeUnixNano);
                j.WriteNumber("severityNumber", log.SeverityNumber);
                j.WriteString("severityText", log.SeverityText);
                if (log.Body is { } body)
                {
                    j.WriteStartObject("body");
                    j.WriteString("stringValue", body);
                    j.WriteEndObject();
                }

                WriteAttributes(j, "attributes", log.Attributes);
                j.WriteString("eventName", log.EventName);
                j.WriteEndObject();
            }

            j.WriteEndArray();
            j.WriteString("schemaUrl", OtlpOptions.SchemaUrl);
            j.WriteEndObject();
            j.WriteEndArray();
            j.WriteEndObject();
            j.WriteEndArray();
            j.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] EncodeMetrics(ResourceInfo resource, IReadOnlyList<MetricData> metrics)
    {
        var buffer = new ArrayBufferWriter<byte>(8192);
        using (var j = new Utf8JsonWriter(buffer))
        {
            j.WriteStartObject();
            j.WriteStartArray("resourceMetrics");
            j.WriteStartObject();
            WriteResource(j, resource);
            j.WriteStartArray("scopeMetrics");
            j.WriteStartObject();
            WriteScope(j, resource);
            j.WriteStartArray("metrics");
            foreach (var metric in metrics)
            {
                j.WriteStartObject();
                j.WriteString("name", metric.Name);
                j.WriteString("description", metric.Description);
                j.WriteString("unit", metric.Unit);
                if (metric.Kind == MetricKind.Histogram)
                {
                    j.WriteStartObject("histogram");
                    j.WriteStartArray("dataPoints");
                    foreach (var point in metric.HistogramPoints)
                    {
                        j.WriteStartObject();
                        WriteAttributes(j, "attributes", point.Attributes);
                        WriteUInt64String(j, "startTimeUnixNano", metric.StartTimeUnixNano);
                        WriteUInt64String(j, "timeUnixNano", metric.TimeUnixNano);
                        WriteUInt64String(j, "count", point.Count);
                        j.WriteNumber("sum", point.Sum);
                        j.WriteStartArray("bucketCounts");
                        foreach (var c in point.BucketCounts)
                        {
                            j.WriteStringValue(c.ToString(CultureInfo.InvariantCulture));
                        }

                        j.WriteEndArray();
                        j.WriteStartArray("explicitBounds");
                        foreach (var b in metric.ExplicitBounds)
                        {
                            j.WriteNumberValue(b);
                        }

                        j.WriteEndArray();
                        if (point.Count > 0)
                        {
                            j.WriteNumber("min", point.Min);
                            j.WriteNumber("max", point.Max);
                        }

                        j.WriteEndObject();
                    }

                    j.WriteEndArray();
                    j.WriteNumber("aggregationTemporality", 2);
                    j.WriteEndObject();
                }
                else
                {
                    j.WriteStartObject("sum");
                    j.WriteStartArray("dataPoints");
                    foreach (var point in metric.SumPoints)
                    {
                        j.WriteStartObject();
                        WriteAttributes(j, "attributes", point.Attributes);
                        WriteUInt64String(j, "startTimeUnixNano", metric.StartTimeUnixNano);
                        WriteUInt64String(j, "timeUnixNano", metric.TimeUnixNano);
                        j.WriteNumber("asDouble", point.Value);
                        j.WriteEndObject();
                    }

                    j.WriteEndArray();
                    j.WriteNumber("aggregationTemporality", 2);
                    j.WriteBoolean("isMonotonic", true);
                    j.WriteEndObject();
                }

                j.WriteEndObject();
            }

            j.WriteEndArray();
            j.WriteString("schemaUrl", OtlpOptions.SchemaUrl);
            j.WriteEndObject();
            j.WriteEndArray();
            j.WriteEndObject();
            j.WriteEndArray();
            j.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteResource(Utf8JsonWriter j, ResourceInfo resource)
    {
        j.WriteStartObject("resource");
        WriteAttributes(j, "attributes", resource.Attributes);
        j.WriteEndObject();
    }

    private static void WriteScope(Utf8JsonWriter j, ResourceInfo resource)
    {
        j.WriteStartObject("scope");
        j.WriteString("name", resource.ScopeName);
        j.WriteString("version", resource.ScopeVersion);
        j.WriteEndObject();
    }

    private static void WriteAttributes(Utf8JsonWriter j, string name, IReadOnlyList<OtlpAttribute> attributes)
    {
        j.WriteStartArray(name);
        for (var i = 0; i < attributes.Count; i++)
        {
            var a = attributes[i];
            j.WriteStartObject();
            j.WriteString("key", a.Key);
            j.WriteStartObject("value");
            switch (a.Kind)
            {
                case AttributeKind.String:
                    j.WriteString("stringValue", a.StringValue);
                    break;
                case AttributeKind.Bool:
                    j.WriteBoolean("boolValue", a.BoolValue);
                    break;
                case AttributeKind.Int:
                    j.WriteString("intValue", a.IntValue.ToString(CultureInfo.InvariantCulture));
                    break;
                case AttributeKind.Double:
                    j.WriteNumber("doubleValue", a.DoubleValue);
                    break;
                case AttributeKind.StringArray:
                    j.WriteStartObject("arrayValue");
                    j.WriteStartArray("values");
                    foreach (var s in a.ArrayValue ?? [])
                    {
                        j.WriteStartObject();
                        j.WriteString("stringValue", s);
                        j.WriteEndObject();
                    }

                    j.WriteEndArray();
                    j.WriteEndObject();
                    break;
            }

            j.WriteEndObject();
            j.WriteEndObject();
        }

        j.WriteEndArray();
    }

    private static void WriteUInt64String(Utf8JsonWriter j, string name, ulong value) =>
        j.WriteString(name, value.ToString(CultureInfo.InvariantCulture));
}
