namespace TokenOps.Otlp.Configuration;

/// <summary>Wire encoding of OTLP/HTTP (https://opentelemetry.io/docs/specs/otlp/#otlphttp).</summary>
public enum OtlpProtocol
{
    /// <summary><c>http/protobuf</c>: binary protobuf, Content-Type application/x-protobuf (the default).</summary>
    HttpProtobuf,

    /// <summary><c>http/json</c>: OTLP/JSON mapping, Content-Type application/json.</summary>
    HttpJson,
}

/// <summary>Which GenAI attribute names to emit.</summary>
public enum OtlpSemconv
{
    /// <summary>Semantic conventions <see cref="OtlpOptions.SemconvVersion"/> names only.</summary>
    Current,

    /// <summary>Current names plus the pre-1.37 names many backends still read (gen_ai.system, gen_ai.usage.prompt_tokens, ...).</summary>
    Legacy,
}

/// <summary>
/// Config section <c>otlp.*</c>. The daemon builds it from config.json / TOKENOPS_OTLP_* and then calls
/// <see cref="FromEnvironment(Func{string, string?})"/> so the standard OTEL_* variables win (precedence
/// defaults &lt; file &lt; env, like every other key).
/// </summary>
public sealed record OtlpOptions
{
    /// <summary>The GenAI semantic-conventions release the exporter follows (attribute and metric names).</summary>
    public const string SemconvVersion = "1.40.0";

    /// <summary>Schema URL stamped on every scope (https://opentelemetry.io/docs/specs/otel/schemas/).</summary>
    public const string SchemaUrl = "https://opentelemetry.io/schemas/" + SemconvVersion;

    public const string DefaultEndpoint = "http://localhost:4318";

    /// <summary>otlp.enabled — opt-in; nothing is sent unless true.</summary>
    public bool Enabled { get; init; }

    /// <summary>otlp.endpoint — BASE URL of the collector; /v1/traces, /v1/metrics, /v1/logs are appended.</summary>
    public string Endpoint { get; init; } = DefaultEndpoint;

    /// <summary>Full traces URL (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT); used as-is when set.</summary>
    public string? TracesEndpoint { get; init; }

    /// <summary>Full metrics URL (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT); used as-is when set.</summary>
    public string? MetricsEndpoint { get; init; }

    /// <summary>Full logs URL (OTEL_EXPORTER_OTLP_LOGS_ENDPOINT); used as-is when set.</summary>
    public string? LogsEndpoint { get; init; }

    /// <summary>otlp.protocol — <c>http/protobuf</c> (default) or <c>http/json</c>.</summary>
    public OtlpProtocol Protocol { get; init; } = OtlpProtocol.HttpProtobuf;

    /// <summary>otlp.headers — sent with every export request (e.g. an API key for a hosted collector). Values are never logged.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Resource attribute service.name.</summary>
    public string ServiceName { get; init; } = "tokenops";

    /// <summary>Resource attribute service.version; the daemon passes its own version.</summary>
    public string? ServiceVersion { get; init; }

    /// <summary>Extra resource attributes (OTEL_RESOURCE_ATTRIBUTES, otlp.resource_attributes).</summary>
    public IReadOnlyDictionary<string, string> ResourceAttributes { get; init; } = new Dictionary<string, string>();

    /// <summary>otlp.include_content — export captured request/response bodies (redacted). Off by default.</summary>
    public bool IncludeContent { get; init; }

    /// <summary>Max bytes of each body exported when <see cref="IncludeContent"/> is on.</summary>
    public int MaxContentBytes { get; init; } = 16 * 1024;

    /// <summary>otlp.semconv — <c>current</c> (default) or <c>legacy</c>.</summary>
    public OtlpSemconv Semconv { get; init; } = OtlpSemconv.Current;

    /// <summary>Per-request timeout (OTEL_EXPORTER_OTLP_TIMEOUT, default 10 s as in the OTLP exporter spec).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>First retry delay; doubles per attempt up to <see cref="MaxBackoff"/>, with ±20% jitter.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A batch still failing after this long (measured from its first attempt) is dropped and counted.</summary>
    public TimeSpan MaxRetryElapsed { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Pending export batches kept while the collector is slow or down; beyond it the OLDEST is dropped and counted.</summary>
    public int MaxQueuedBatches { get; init; } = 512;

    /// <summary>Minimum time between two metrics exports (cumulative snapshots); zero sends after every change.</summary>
    public TimeSpan MetricsInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long FlushAsync (shutdown) waits for the queue to drain.</summary>
    public TimeSpan FlushTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Distinct attribute sets per metric before new ones fold into the otel.metric.overflow series.</summary>
    public int MaxMetricSeries { get; init; } = 2000;

    /// <summary>Provider base URLs (providers.*.url) → server.address / server.port. Missing providers use the public API hosts.</summary>
    public IReadOnlyDictionary<string, string> ProviderUrls { get; init; } = new Dictionary<string, string>();

    /// <summary>The URL spans are POSTed to.</summary>
    public string ResolveTracesEndpoint() => TracesEndpoint ?? AppendSignalPath(Endpoint, "v1/traces");

    public string ResolveMetricsEndpoint() => MetricsEndpoint ?? AppendSignalPath(Endpoint, "v1/metrics");

    public string ResolveLogsEndpoint() => LogsEndpoint ?? AppendSignalPath(Endpoint, "v1/logs");

    /// <summary>
    /// Overlay the standard OTel SDK environment variables
    /// (https://opentelemetry.io/docs/specs/otel/protocol/exporter/): a variable that is set and non-empty wins.
    /// Enabling stays with otlp.enabled / TOKENOPS_OTLP_ENABLED: an inherited OTEL_* variable alone never
    /// starts exporting prompt metadata (opt-in).
    /// </summary>
    public OtlpOptions FromEnvironment(Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        string? Get(string name)
        {
            var v = getEnvironmentVariable(name);
            return string.IsNullOrWhiteSpace(v) ? null : v.Trim();
        }

        var result = this;
        if (Get("OTEL_EXPORTER_OTLP_ENDPOINT") is { } baseUrl)
        {
            // A base endpoint replaces the config's base, but does not override signal-specific URLs set below.
            result = result with { Endpoint = baseUrl };
        }

        if (Get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") is { } traces)
        {
            result = result with { TracesEndpoint = traces };
        }

        if (Get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT") is { } metrics)
        {
            result = result with { MetricsEndpoint = metrics };
        }

        if (Get("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT") is { } logs)
        {
            result = result with { LogsEndpoint = logs };
        }

        if (Get("OTEL_EXPORTER_OTLP_PROTOCOL") is { } protocol && TryParseProtocol(protocol, out var p))
        {
            result = result with { Protocol = p };
        }

        if (Get("OTEL_EXPORTER_OTLP_HEADERS") is { } headers)
        {
            var merged = new Dictionary<string, string>(result.Headers, StringComparer.OrdinalIgnoreCase);
            foreach (var (k, v) in ParseKeyValueList(headers))
            {
                merged[k] = v;
            }

            result = result with { Headers = merged };
        }

        if (Get("OTEL_EXPORTER_OTLP_TIMEOUT") is { } timeout
            && int.TryParse(timeout, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms)
            && ms > 0)
        {
            result = result with { Timeout = TimeSpan.FromMilliseconds(ms) };
        }

        if (Get("OTEL_RESOURCE_ATTRIBUTES") is { } resource)
        {
            var merged = new Dictionary<string, string>(result.ResourceAttributes, StringComparer.Ordinal);
            foreach (var (k, v) in ParseKeyValueList(resource))
            {
                merged[k] = v;
            }

            // service.name inside OTEL_RESOURCE_ATTRIBUTES counts, but OTEL_SERVICE_NAME (below) wins over it.
            if (merged.Remove("service.name", out var svc) && svc.Length > 0)
            {
                result = result with { ServiceName = svc };
            }

            result = result with { ResourceAttributes = merged };
        }

        if (Get("OTEL_SERVICE_NAME") is { } serviceName)
        {
            result = result with { ServiceName = serviceName };
        }

        return result;
    }

    /// <summary>Same, from the process environment.</summary>
    public OtlpOptions FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary><c>http/protobuf</c> | <c>http/json</c> (case-insensitive). <c>grpc</c> is not supported.</summary>
    public static bool TryParseProtocol(string value, out OtlpProtocol protocol)
    {
        switch (value.Trim().ToLowerInvariant())
        {
            case "http/protobuf":
            case "protobuf":
                protocol = OtlpProtocol.HttpProtobuf;
                return true;
            case "http/json":
            case "json":
                protocol = OtlpProtocol.HttpJson;
                return true;
            default:
                protocol = OtlpProtocol.HttpProtobuf;
                return false;
        }
    }

    /// <summary><c>current</c> | <c>legacy</c>.</summary>
    public static bool TryParseSemconv(string value, out OtlpSemconv semconv)
    {
        switch (value.Trim().ToLowerInvariant())
        {
            case "current":
                semconv = OtlpSemconv.Current;
                return true;
            case "legacy":
                semconv = OtlpSemconv.Legacy;
                return true;
            default:
                semconv = OtlpSemconv.Current;
                return false;
        }
    }

    /// <summary>
    /// W3C-Baggage-like <c>k=v,k2=v2</c> list used by OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES:
    /// entries are trimmed and percent-decoded; entries without '=' or with an empty key are skipped.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ParseKeyValueList(string value)
    {
        var list = new List<KeyValuePair<string, string>>();
        foreach (var part in value.Split(','))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var key = Uri.UnescapeDataString(part[..eq].Trim());
            var val = Uri.UnescapeDataString(part[(eq + 1)..].Trim());
            if (key.Length > 0)
            {
                list.Add(new KeyValuePair<string, string>(key, val));
            }
        }

        return list;
    }

    internal static string AppendSignalPath(string baseUrl, string signalPath) =>
        baseUrl.EndsWith('/') ? baseUrl + signalPath : baseUrl + "/" + signalPath;
}
