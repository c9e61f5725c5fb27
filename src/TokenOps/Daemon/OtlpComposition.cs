using TokenOps.Configuration;
using TokenOps.Otlp.Configuration;

namespace TokenOps.Daemon;

/// <summary>Maps <c>otlp.*</c> (and <c>providers.*.url</c> for server.address) to the exporter's options; OTEL_* variables win.</summary>
internal static class OtlpComposition
{
    public static OtlpOptions CreateOptions(TokenOpsConfig config)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in config.Otlp.Headers)
        {
            headers[header.Key] = header.Value;
        }

        var options = new OtlpOptions
        {
            Enabled = config.Otlp.Enabled,
            Endpoint = config.Otlp.Endpoint.ToString(),
            Protocol = OtlpOptions.TryParseProtocol(config.Otlp.Protocol, out var protocol) ? protocol : OtlpProtocol.HttpProtobuf,
            Headers = headers,
            ServiceVersion = BuildInfo.Version,
            IncludeContent = config.Otlp.IncludeContent,
            Semconv = OtlpOptions.TryParseSemconv(config.Otlp.Semconv, out var semconv) ? semconv : OtlpSemconv.Current,
            ProviderUrls = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["openai"] = config.Providers.OpenAI.ToString(),
                ["anthropic"] = config.Providers.Anthropic.ToString(),
                ["gemini"] = config.Providers.Gemini.ToString(),
            },
        };
        return options.FromEnvironment();
    }
}
