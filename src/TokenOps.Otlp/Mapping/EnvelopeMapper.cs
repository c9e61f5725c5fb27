using System.Globalization;
using System.Security.Cryptography;
using TokenOps.Core.Events;
using TokenOps.Otlp.Configuration;
using TokenOps.Otlp.Redaction;

namespace TokenOps.Otlp.Mapping;

/// <summary>
/// Envelope → OTLP records. A prompt becomes one CLIENT span (real start time and duration); every other
/// envelope type becomes a log record named <c>tokenops.{type}</c>, so optimization / workflow / coaching
/// events reach the collector as their payload types land (one switch on <see cref="Envelope.Type"/>).
/// Runs on the bus consumer: no I/O, no encoding — that happens on the export loop.
/// </summary>
internal sealed class EnvelopeMapper
{
    private readonly OtlpOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<string, (string Host, int Port)> _servers = new(StringComparer.Ordinal);

    public EnvelopeMapper(OtlpOptions options, TimeProvider timeProvider)
    {
        _options = options;
        _timeProvider = timeProvider;
        foreach (var provider in (ReadOnlySpan<string>)[Providers.OpenAI, Providers.Anthropic, Providers.Gemini])
        {
            var url = options.ProviderUrls.TryGetValue(provider, out var configured) ? configured : GenAiNames.DefaultProviderUrl(provider);
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri))
            {
                _servers[provider] = (uri.Host, uri.Port);
            }
        }

        foreach (var (provider, url) in options.ProviderUrls)
        {
            if (!_servers.ContainsKey(provider) && Uri.TryCreate(url, UriKind.Absolute, out var uri))
            {
                _servers[provider] = (uri.Host, uri.Port);
            }
        }
    }

    public bool TryGetServer(string provider, out string host, out int port)
    {
        if (_servers.TryGetValue(provider, out var server))
        {
            (host, port) = server;
            return true;
        }

        host = "";
        port = 0;
        return false;
    }

    public ExportBatch Map(IReadOnlyList<Envelope> batch)
    {
        var spans = new List<SpanData>(batch.Count);
        var logs = new List<LogData>();
        for (var i = 0; i < batch.Count; i++)
        {
            var envelope = batch[i];
            switch (envelope.Type)
            {
                case EventTypes.Prompt when envelope.Prompt is { } prompt:
                    spans.Add(MapPrompt(envelope, prompt));
                    break;
                case EventTypes.Prompt:
                    break; // a prompt envelope without payload carries nothing to export
                default:
                    // optimization | workflow | coaching (and future types): a log record with the envelope's
                    // attributes. Their payloads map here (payload-specific attributes) once they exist in Core.
                    logs.Add(MapOther(envelope));
                    break;
            }
        }

        return new ExportBatch(spans, logs);
    }

    internal SpanData MapPrompt(Envelope envelope, PromptEvent e)
    {
        var legacy = _options.Semconv == OtlpSemconv.Legacy;
        var operation = GenAiNames.MapOperation(e.Operation);
        var model = e.RequestModel ?? e.ResponseModel;

        // traceparent from the client: reuse its trace id, make its span our parent; our span id is new.
        byte[] traceId;
        byte[]? parentSpanId = null;
        if (TryParseHexId(e.TraceId, 16, out var parsedTrace))
        {
            traceId = parsedTrace;
            if (TryParseHexId(e.SpanId, 8, out var parsedParent))
            {
                parentSpanId = parsedParent;
            }
        }
        else
        {
            traceId = NewId(16);
        }

        var start = UnixNanos.From(e.StartedAt);
        var durationNanos = e.LatencyMs > 0 ? (ulong)Math.Round(e.LatencyMs * 1_000_000d) : 0UL;
        var span = new SpanData
        {
            TraceId = traceId,
            SpanId = NewId(8),
            ParentSpanId = parentSpanId,
            Name = model is null ? operation : operation + " " + model,
            Kind = 3,
            StartTimeUnixNano = start,
            EndTimeUnixNano = start + durationNanos,
        };

        var a = span.Attributes;
        a.Add(OtlpAttribute.Of(GenAiNames.OperationName, operation));
        a.Add(OtlpAttribute.Of(GenAiNames.ProviderName, GenAiNames.MapProvider(e.Provider)));
        if (legacy)
        {
            a.Add(OtlpAttribute.Of(GenAiNames.LegacySystem, GenAiNames.MapLegacySystem(e.Provider)));
        }

        AddString(a, GenAiNames.RequestModel, e.RequestModel);
        AddString(a, GenAiNames.ResponseModel, e.ResponseModel);
        AddString(a, GenAiNames.ResponseId, e.ResponseId);
        if (!string.IsNullOrEmpty(e.FinishReason))
        {
            a.Add(OtlpAttribute.Of(GenAiNames.ResponseFinishReasons, new[] { e.FinishReason }));
        }

        if (e.MaxTokens is { } maxTokens)
        {
            a.Add(OtlpAttribute.Of(GenAiNames.RequestMaxTokens, (long)maxTokens));
        }

        if (e.InputTokens is { } input)
        {
            a.Add(OtlpAttribute.Of(GenAiNames.UsageInputTokens, input));
            if (legacy)
            {
                a.Add(OtlpAttribute.Of(GenAiNames.LegacyPromptTokens, input));
            }
        }

        if (e.OutputTokens is { } output)
        {
            a.Add(OtlpAttribute.Of(GenAiNames.UsageOutputTokens, output));
            if (legacy)
            {
                a.Add(OtlpAttribute.Of(GenAiNames.LegacyCompletionTokens, output));
            }
        }

        AddLong(a, GenAiNames.UsageCacheReadInputTokens, e.CachedInputTokens);
        AddLong(a, GenAiNames.UsageCacheCreationInputTokens, e.CacheWriteInputTokens);
        AddLong(a, GenAiNames.UsageReasoningOutputTokens, e.ReasoningTokens);
        AddString(a, GenAiNames.ConversationId, e.SessionId);
        if (TryGetServer(e.Provider, out var host, out var port))
        {
            a.Add(OtlpAttribute.Of(GenAiNames.ServerAddress, host));
            a.Add(OtlpAttribute.Of(GenAiNames.ServerPort, (long)port));
        }

        if (e.StatusCode > 0)
        {
            a.Add(OtlpAttribute.Of(GenAiNames.HttpResponseStatusCode, (long)e.StatusCode));
        }

        if (ErrorTypeOf(e) is { } errorType)
        {
            a.Add(OtlpAttribute.Of(GenAiNames.ErrorType, errorType));
            span.StatusCode = 2;
            span.StatusMessage = SecretRedactor.Redact(StatusMessageOf(e));
        }

        if (e.CostUsd is { } cost)
        {
            a.Add(OtlpAttribute.Of(GenAiNames.CostUsd, (double)cost));
        }

        if (e.SavedUsd is { } saved)
        {
            a.Add(OtlpAttribute.Of(GenAiNames.SavedUsd, (double)saved));
        }

        a.Add(OtlpAttribute.Of(GenAiNames.CacheHit, e.CacheHit));
        a.Add(OtlpAttribute.Of(GenAiNames.Stream, e.Stream));
        AddString(a, GenAiNames.WorkflowId, e.WorkflowId);
        AddString(a, GenAiNames.AgentId, e.AgentId);
        AddString(a, GenAiNames.UserId, e.UserId);
        a.Add(OtlpAttribute.Of(GenAiNames.UsageSource, e.UsageSource));
        AddString(a, GenAiNames.PricingStatus, e.PricingStatus);
        AddString(a, GenAiNames.PromptHash, e.PromptHash);
        if (e.TimeToFirstTokenMs is { } ttft)
        {
            a.Add(OtlpAttribute.Of(GenAiNames.TimeToFirstTokenMs, ttft));
        }

        AddString(a, GenAiNames.ProxyError, e.ProxyError);
        a.Add(OtlpAttribute.Of(GenAiNames.EventId, envelope.Id));
        a.Add(OtlpAttribute.Of(GenAiNames.EventSource, envelope.Source));

        // Content: never unless include_content=true, and then only the captured bodies, redacted and bounded.
        if (_options.IncludeContent)
        {
            AddContent(a, GenAiNames.RequestBody, e.CapturedRequestBody);
            AddContent(a, GenAiNames.ResponseBody, e.CapturedResponseBody);
        }

        return span;
    }

    private LogData MapOther(Envelope envelope)
    {
        var now = UnixNanos.From(_timeProvider.GetUtcNow());
        var log = new LogData
        {
            TimeUnixNano = UnixNanos.From(envelope.Timestamp),
            ObservedTimeUnixNano = now,
            EventName = "tokenops." + envelope.Type,
        };
        log.Attributes.Add(OtlpAttribute.Of(GenAiNames.EventId, envelope.Id));
        log.Attributes.Add(OtlpAttribute.Of(GenAiNames.EventSource, envelope.Source));
        log.Attributes.Add(OtlpAttribute.Of("tokenops.event_type", envelope.Type));
        log.Attributes.Add(OtlpAttribute.Of("tokenops.schema_version", envelope.SchemaVersion));
        if (envelope.Attributes is { } attributes)
        {
            foreach (var (key, value) in attributes)
            {
                log.Attributes.Add(OtlpAttribute.Of("tokenops." + key, SecretRedactor.Redact(value)));
            }
        }

        return log;
    }

    /// <summary>
    /// error.type (semconv: provider error code, exception name, or another low-cardinality identifier):
    /// the provider's error type, else the proxy failure category, else the HTTP status code.
    /// </summary>
    internal static string? ErrorTypeOf(PromptEvent e)
    {
        if (!string.IsNullOrEmpty(e.ErrorType))
        {
            return e.ErrorType;
        }

        if (!string.IsNullOrEmpty(e.ProxyError))
        {
            return e.ProxyError;
        }

        return e.StatusCode >= 400 ? e.StatusCode.ToString(CultureInfo.InvariantCulture) : null;
    }

    private static string StatusMessageOf(PromptEvent e)
    {
        var code = string.IsNullOrEmpty(e.ErrorCode) ? "" : " " + e.ErrorCode;
        return e.StatusCode > 0
            ? "HTTP " + e.StatusCode.ToString(CultureInfo.InvariantCulture) + " " + (ErrorTypeOf(e) ?? "") + code
            : (ErrorTypeOf(e) ?? "") + code;
    }

    private void AddContent(List<OtlpAttribute> attributes, string key, byte[]? body)
    {
        if (body is null || body.Length == 0)
        {
            return;
        }

        var length = Math.Min(body.Length, _options.MaxContentBytes);
        var text = System.Text.Encoding.UTF8.GetString(body, 0, length);
        attributes.Add(OtlpAttribute.Of(key, SecretRedactor.Redact(text)));
    }

    private static void AddString(List<OtlpAttribute> attributes, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            attributes.Add(OtlpAttribute.Of(key, value));
        }
    }

    private static void AddLong(List<OtlpAttribute> attributes, string key, long? value)
    {
        if (value is { } v)
        {
            attributes.Add(OtlpAttribute.Of(key, v));
        }
    }

    /// <summary>Random non-zero id (an all-zero trace or span id is invalid in OTLP).</summary>
    internal static byte[] NewId(int length)
    {
        var id = new byte[length];
        do
        {
            RandomNumberGenerator.Fill(id);
        }
        while (id.AsSpan().IndexOfAnyExcept((byte)0) < 0);
        return id;
    }

    internal static bool TryParseHexId(string? hex, int length, out byte[] id)
    {
        id = [];
        if (hex is null || hex.Length != length * 2)
        {
            return false;
        }

        try
        {
            var bytes = Convert.FromHexString(hex);
            if (bytes.AsSpan().IndexOfAnyExcept((byte)0) < 0)
            {
                return false;
            }

            id = bytes;
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
