using TokenOps.Otlp.Configuration;

namespace TokenOps.Otlp.Tests.Configuration;

public sealed class OtlpOptionsTests
{
    private static Func<string, string?> Env(params (string Key, string Value)[] vars)
    {
        var map = vars.ToDictionary(v => v.Key, v => v.Value);
        return name => map.TryGetValue(name, out var v) ? v : null;
    }

    [Fact]
    public void Defaults_AreOptInProtobufLocalhostCurrentNoContent()
    {
        var o = new OtlpOptions();
        Assert.False(o.Enabled);
        Assert.Equal(OtlpProtocol.HttpProtobuf, o.Protocol);
        Assert.Equal("http://localhost:4318/v1/traces", o.ResolveTracesEndpoint());
        Assert.Equal("http://localhost:4318/v1/metrics", o.ResolveMetricsEndpoint());
        Assert.Equal("http://localhost:4318/v1/logs", o.ResolveLogsEndpoint());
        Assert.Equal("tokenops", o.ServiceName);
        Assert.False(o.IncludeContent);
        Assert.Equal(OtlpSemconv.Current, o.Semconv);
    }

    [Theory]
    [InlineData("http://collector:4318", "http://collector:4318/v1/traces")]
    [InlineData("http://collector:4318/", "http://collector:4318/v1/traces")]
    [InlineData("https://otlp.example.com/otlp", "https://otlp.example.com/otlp/v1/traces")]
    public void FromEnvironment_BaseEndpoint_AppendsSignalPaths(string baseUrl, string traces)
    {
        var o = new OtlpOptions().FromEnvironment(Env(("OTEL_EXPORTER_OTLP_ENDPOINT", baseUrl)));
        Assert.Equal(traces, o.ResolveTracesEndpoint());
        Assert.Equal(traces.Replace("/v1/traces", "/v1/metrics", StringComparison.Ordinal), o.ResolveMetricsEndpoint());
        Assert.Equal(traces.Replace("/v1/traces", "/v1/logs", StringComparison.Ordinal), o.ResolveLogsEndpoint());
    }

    [Fact]
    public void FromEnvironment_TracesEndpoint_IsUsedAsIsAndBeatsTheBase()
    {
        var o = new OtlpOptions().FromEnvironment(Env(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://base:4318"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:9999/custom/path")));
        Assert.Equal("http://traces:9999/custom/path", o.ResolveTracesEndpoint());
        Assert.Equal("http://base:4318/v1/metrics", o.ResolveMetricsEndpoint());
    }

    [Fact]
    public void FromEnvironment_Headers_AreSplitTrimmedAndUrlDecoded()
    {
        var o = new OtlpOptions { Headers = new Dictionary<string, string> { ["x-from-config"] = "1" } }
            .FromEnvironment(Env(("OTEL_EXPORTER_OTLP_HEADERS", "api-key=abc%3D%3D, x-scope = team%20a ,broken,=novalue")));
        Assert.Equal("abc==", o.Headers["api-key"]);
        Assert.Equal("team a", o.Headers["x-scope"]);
        Assert.Equal("1", o.Headers["x-from-config"]);
        Assert.Equal(3, o.Headers.Count);
    }

    [Fact]
    public void FromEnvironment_ServiceNameBeatsResourceAttributeServiceName()
    {
        var o = new OtlpOptions().FromEnvironment(Env(
            ("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs,deployment.environment.name=prod,team=ml%2Fops"),
            ("OTEL_SERVICE_NAME", "from-env")));
        Assert.Equal("from-env", o.ServiceName);
        Assert.Equal("prod", o.ResourceAttributes["deployment.environment.name"]);
        Assert.Equal("ml/ops", o.ResourceAttributes["team"]);
        Assert.False(o.ResourceAttributes.ContainsKey("service.name"));
    }

    [Fact]
    public void FromEnvironment_ResourceServiceNameWithoutOtelServiceName_IsUsed()
    {
        var o = new OtlpOptions().FromEnvironment(Env(("OTEL_RESOURCE_ATTRIBUTES", "service.name=laptop-42")));
        Assert.Equal("laptop-42", o.ServiceName);
    }

    [Fact]
    public void FromEnvironment_ProtocolAndTimeout_AreParsed()
    {
        var o = new OtlpOptions().FromEnvironment(Env(("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"), ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500")));
        Assert.Equal(OtlpProtocol.HttpJson, o.Protocol);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), o.Timeout);

        var grpc = new OtlpOptions().FromEnvironment(Env(("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")));
        Assert.Equal(OtlpProtocol.HttpProtobuf, grpc.Protocol); // unsupported value leaves the configured protocol
    }

    [Fact]
    public void FromEnvironment_NothingSet_LeavesOptionsUnchangedAndDoesNotEnable()
    {
        var original = new OtlpOptions { Endpoint = "http://cfg:4318", ServiceName = "cfg" };
        var o = original.FromEnvironment(Env(("OTEL_EXPORTER_OTLP_ENDPOINT", "  ")));
        Assert.Equal(original, o);
        var withEndpoint = original.FromEnvironment(Env(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://x:1")));
        Assert.False(withEndpoint.Enabled);
    }

    [Theory]
    [InlineData("http/protobuf", true, OtlpProtocol.HttpProtobuf)]
    [InlineData("HTTP/JSON", true, OtlpProtocol.HttpJson)]
    [InlineData("grpc", false, OtlpProtocol.HttpProtobuf)]
    public void TryParseProtocol_Values_MapOrReject(string value, bool ok, OtlpProtocol expected)
    {
        Assert.Equal(ok, OtlpOptions.TryParseProtocol(value, out var p));
        Assert.Equal(expected, p);
    }

    [Fact]
    public void TryParseSemconv_Values_MapOrReject()
    {
        Assert.True(OtlpOptions.TryParseSemconv("legacy", out var legacy));
        Assert.Equal(OtlpSemconv.Legacy, legacy);
        Assert.True(OtlpOptions.TryParseSemconv("current", out var current));
        Assert.Equal(OtlpSemconv.Current, current);
        Assert.False(OtlpOptions.TryParseSemconv("v2", out _));
    }
}
