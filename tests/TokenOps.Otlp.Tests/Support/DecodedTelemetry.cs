using System.Globalization;
using System.Text.Json;

namespace TokenOps.Otlp.Tests.Support;

internal sealed record DecodedSpan(
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    int Kind,
    ulong StartTimeUnixNano,
    ulong EndTimeUnixNano,
    Dictionary<string, object> Attributes,
    int StatusCode,
    string StatusMessage);

internal sealed record DecodedPoint(Dictionary<string, object> Attributes, ulong Count, double Sum, ulong[] BucketCounts, double[] Bounds, double Value);

internal sealed record DecodedMetric(string Name, string Unit, string Type, int Temporality, bool IsMonotonic, List<DecodedPoint> Points);

internal sealed record DecodedLog(string EventName, ulong TimeUnixNano, int Severity, Dictionary<string, object> Attributes);

/// <summary>What one export request carried, decoded from protobuf or OTLP/JSON into the same shape.</summary>
internal sealed class DecodedRequest
{
    public Dictionary<string, object> Resource { get; } = [];
    public string ScopeName { get; set; } = "";
    public string SchemaUrl { get; set; } = "";
    public List<DecodedSpan> Spans { get; } = [];
    public List<DecodedMetric> Metrics { get; } = [];
    public List<DecodedLog> Logs { get; } = [];

    public static DecodedRequest Decode(string signal, string contentType, byte[] body) =>
        contentType.StartsWith("application/json", StringComparison.Ordinal)
            ? FromJson(signal, body)
            : FromProtobuf(signal, body);

    // ---- protobuf (field numbers from opentelemetry-proto, written out independently of the exporter) ----
    public static DecodedRequest FromProtobuf(string signal, byte[] body)
    {
        var result = new DecodedRequest();
        var request = ProtoMessage.Parse(body);
        foreach (var resourceX in request.Messages(1))
        {
            foreach (var kv in resourceX.Message(1)!.Messages(1))
            {
                AddKeyValue(result.Resource, kv);
            }

            foreach (var scopeX in resourceX.Messages(2))
            {
                result.ScopeName = scopeX.Message(1)!.String(1);
                result.SchemaUrl = scopeX.String(3);
                foreach (var item in scopeX.Messages(2))
                {
                    switch (signal)
                    {
                        case "traces":
                            result.Spans.Add(ProtoSpan(item));
                            break;
                        case "metrics":
                            result.Metrics.Add(ProtoMetric(item));
                            break;
                        default:
                            var attrs = new Dictionary<string, object>();
                            foreach (var kv in item.Messages(6))
                            {
                                AddKeyValue(attrs, kv);
                            }

                            result.Logs.Add(new DecodedLog(item.String(12), item.Fixed64(1), (int)item.Varint(2), attrs));
                            break;
                    }
                }
            }
        }

        return result;
    }

    private static DecodedSpan ProtoSpan(ProtoMessage s)
    {
        var attrs = new Dictionary<string, object>();
        foreach (var kv in s.Messages(9))
        {
            AddKeyValue(attrs, kv);
        }

        var status = s.Message(15);
        return new DecodedSpan(
            Convert.ToHexStringLower(s.Bytes(1)),
            Convert.ToHexStringLower(s.Bytes(2)),
            Convert.ToHexStringLower(s.Bytes(4)),
            s.String(5),
            (int)s.Varint(6),
            s.Fixed64(7),
            s.Fixed64(8),
            attrs,
            status is null ? 0 : (int)status.Varint(3),
            status is null ? "" : status.String(2));
    }

    private static DecodedMetric ProtoMetric(ProtoMessage m)
    {
        var points = new List<DecodedPoint>();
        if (m.Message(9) is { } histogram)
        {
            foreach (var p in histogram.Messages(1))
            {
                var attrs = new Dictionary<string, object>();
                foreach (var kv in p.Messages(9))
                {
                    AddKeyValue(attrs, kv);
                }

                points.Add(new DecodedPoint(attrs, p.Fixed64(4), p.Double(5), p.PackedFixed64(6), p.PackedDouble(7), 0));
            }

            return new DecodedMetric(m.String(1), m.String(3), "histogram", (int)histogram.Varint(2), false, points);
        }

        var sum = m.Message(7)!;
        foreach (var p in sum.Messages(1))
        {
            var attrs = new Dictionary<string, object>();
            foreach (var kv in p.Messages(7))
            {
                AddKeyValue(attrs, kv);
            }

            points.Add(new DecodedPoint(attrs, 0, 0, [], [], p.Double(4)));
        }

        return new DecodedMetric(m.String(1), m.String(3), "sum", (int)sum.Varint(2), sum.Varint(3) == 1, points);
    }

    private static void AddKeyValue(Dictionary<string, object> into, ProtoMessage kv)
    {
        var key = kv.String(1);
        Assert.False(into.ContainsKey(key), $"duplicate attribute {key}");
        into[key] = ProtoAnyValue(kv.Message(2)!);
    }

    private static object ProtoAnyValue(ProtoMessage v)
    {
        if (v.Has(1))
        {
            return v.String(1);
        }

        if (v.Has(2))
        {
            return v.Varint(2) == 1;
        }

        if (v.Has(3))
        {
            return unchecked((long)v.Varint(3));
        }

        if (v.Has(4))
        {
            return v.Double(4);
        }

        if (v.Message(5) is { } array)
        {
            return array.Messages(1).Select(x => x.String(1)).ToArray();
        }

        throw new InvalidOperationException("AnyValue with no recognised member");
    }

    // ---- OTLP/JSON ----
    public static DecodedRequest FromJson(string signal, byte[] body)
    {
        var result = new DecodedRequest();
        using var doc = JsonDocument.Parse(body);
        var rootName = signal switch { "traces" => "resourceSpans", "metrics" => "resourceMetrics", _ => "resourceLogs" };
        var scopeName = signal switch { "traces" => "scopeSpans", "metrics" => "scopeMetrics", _ => "scopeLogs" };
        var itemsName = signal switch { "traces" => "spans", "metrics" => "metrics", _ => "logRecords" };
        foreach (var resourceX in doc.RootElement.GetProperty(rootName).EnumerateArray())
        {
            foreach (var kv in resourceX.GetProperty("resource").GetProperty("attributes").EnumerateArray())
            {
                result.Resource[kv.GetProperty("key").GetString()!] = JsonAnyValue(kv.GetProperty("value"));
            }

            foreach (var scopeX in resourceX.GetProperty(scopeName).EnumerateArray())
            {
                result.ScopeName = scopeX.GetProperty("scope").GetProperty("name").GetString()!;
                result.SchemaUrl = scopeX.GetProperty("schemaUrl").GetString()!;
                foreach (var item in scopeX.GetProperty(itemsName).EnumerateArray())
                {
                    switch (signal)
                    {
                        case "traces":
                            result.Spans.Add(JsonSpan(item));
                            break;
                        case "metrics":
                            result.Metrics.Add(JsonMetric(item));
                            break;
                        default:
                            result.Logs.Add(new DecodedLog(
                                item.GetProperty("eventName").GetString()!,
                                ulong.Parse(item.GetProperty("timeUnixNano").GetString()!, CultureInfo.InvariantCulture),
                                item.GetProperty("severityNumber").GetInt32(),
                                JsonAttributes(item)));
                            break;
                    }
                }
            }
        }

        return result;
    }

    private static DecodedSpan JsonSpan(JsonElement s)
    {
        var status = s.TryGetProperty("status", out var st) ? st : default;
        return new DecodedSpan(
            s.GetProperty("traceId").GetString()!,
            s.GetProperty("spanId").GetString()!,
            s.TryGetProperty("parentSpanId", out var p) ? p.GetString()! : "",
            s.GetProperty("name").GetString()!,
            s.GetProperty("kind").GetInt32(),
            ulong.Parse(s.GetProperty("startTimeUnixNano").GetString()!, CultureInfo.InvariantCulture),
            ulong.Parse(s.GetProperty("endTimeUnixNano").GetString()!, CultureInfo.InvariantCulture),
            JsonAttributes(s),
            status.ValueKind == JsonValueKind.Object ? status.GetProperty("code").GetInt32() : 0,
            status.ValueKind == JsonValueKind.Object && status.TryGetProperty("message", out var m) ? m.GetString()! : "");
    }

    private static DecodedMetric JsonMetric(JsonElement m)
    {
        var points = new List<DecodedPoint>();
        if (m.TryGetProperty("histogram", out var h))
        {
            foreach (var p in h.GetProperty("dataPoints").EnumerateArray())
            {
                points.Add(new DecodedPoint(
                    JsonAttributes(p),
                    ulong.Parse(p.GetProperty("count").GetString()!, CultureInfo.InvariantCulture),
                    p.GetProperty("sum").GetDouble(),
                    p.GetProperty("bucketCounts").EnumerateArray().Select(x => ulong.Parse(x.GetString()!, CultureInfo.InvariantCulture)).ToArray(),
                    p.GetProperty("explicitBounds").EnumerateArray().Select(x => x.GetDouble()).ToArray(),
                    0));
            }

            return new DecodedMetric(m.GetProperty("name").GetString()!, m.GetProperty("unit").GetString()!, "histogram", h.GetProperty("aggregationTemporality").GetInt32(), false, points);
        }

        var sum = m.GetProperty("sum");
        foreach (var p in sum.GetProperty("dataPoints").EnumerateArray())
        {
            points.Add(new DecodedPoint(JsonAttributes(p), 0, 0, [], [], p.GetProperty("asDouble").GetDouble()));
        }

        return new DecodedMetric(m.GetProperty("name").GetString()!, m.GetProperty("unit").GetString()!, "sum", sum.GetProperty("aggregationTemporality").GetInt32(), sum.GetProperty("isMonotonic").GetBoolean(), points);
    }

    private static Dictionary<string, object> JsonAttributes(JsonElement owner)
    {
        var attrs = new Dictionary<string, object>();
        if (owner.TryGetProperty("attributes", out var list))
        {
            foreach (var kv in list.EnumerateArray())
            {
                attrs.Add(kv.GetProperty("key").GetString()!, JsonAnyValue(kv.GetProperty("value")));
            }
        }

        return attrs;
    }

    private static object JsonAnyValue(JsonElement v)
    {
        if (v.TryGetProperty("stringValue", out var s))
        {
            return s.GetString()!;
        }

        if (v.TryGetProperty("boolValue", out var b))
        {
            return b.GetBoolean();
        }

        if (v.TryGetProperty("intValue", out var i))
        {
            // OTLP/JSON: int64 MUST be a decimal string.
            Assert.Equal(JsonValueKind.String, i.ValueKind);
            return long.Parse(i.GetString()!, CultureInfo.InvariantCulture);
        }

        if (v.TryGetProperty("doubleValue", out var d))
        {
            return d.GetDouble();
        }

        if (v.TryGetProperty("arrayValue", out var a))
        {
            return a.GetProperty("values").EnumerateArray().Select(x => x.GetProperty("stringValue").GetString()!).ToArray();
        }

        throw new InvalidOperationException("AnyValue with no recognised member: " + v.GetRawText());
    }
}
