using System.Buffers;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using TokenOps.Core.Events;
using TokenOps.Core.Pricing;

namespace TokenOps.Insights.Replay;

/// <summary>
/// <c>tokenops replay --execute</c>: re-sends an optimized request to the configured upstream (providers.*.url) for an A/B
/// check and turns the answer into a prompt event with source <c>replay</c> (attribute <c>replay_of</c> = the original id).
/// </summary>
/// <remarks>
/// Credentials are never stored by TokenOps, so they come from the environment of the CLI process
/// (<c>OPENAI_API_KEY</c>, <c>ANTHROPIC_API_KEY</c>, <c>GEMINI_API_KEY</c> or <c>GOOGLE_API_KEY</c>) through the
/// <c>credentials</c> callback. Streaming requests are re-sent non-streaming (<c>"stream": false</c>; Gemini
/// <c>:generateContent</c>) so the usage can be read from one JSON body; the prompt is unchanged.
/// </remarks>
public sealed class ReplayExecutor : IDisposable
{
    private readonly HttpClient _client;
    private readonly IReadOnlyDictionary<string, Uri> _upstreams;
    private readonly Func<string, string?> _credentials;
    private readonly TimeProvider _time;

    /// <param name="upstreams">Base URL per provider (openai, anthropic, gemini), as in providers.*.url.</param>
    /// <param name="credentials">API key per provider (usually from environment variables), or null to send none.</param>
    /// <param name="handler">HTTP handler (tests); default: a SocketsHttpHandler without proxy or redirects.</param>
    public ReplayExecutor(IReadOnlyDictionary<string, Uri> upstreams, Func<string, string?> credentials, TimeProvider? time = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(upstreams);
        ArgumentNullException.ThrowIfNull(credentials);
        _upstreams = upstreams;
        _credentials = credentials;
        _time = time ?? TimeProvider.System;
        _client = new HttpClient(handler ?? new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, AutomaticDecompression = System.Net.DecompressionMethods.All })
        {
            Timeout = TimeSpan.FromMinutes(5),
        };
    }

    /// <summary>The standard environment variables for each provider's key.</summary>
    public static string? EnvironmentCredential(string provider) => provider switch
    {
        "openai" => Environment.GetEnvironmentVariable("OPENAI_API_KEY"),
        "anthropic" => Environment.GetEnvironmentVariable("ANTHROPIC_API_KEY"),
        "gemini" => Environment.GetEnvironmentVariable("GEMINI_API_KEY") ?? Environment.GetEnvironmentVariable("GOOGLE_API_KEY"),
        _ => null,
    };

    internal async Task<(ReplayExecution Result, Envelope? Event)> ExecuteAsync(
        PromptEvent original, string originalId, JsonObject body, string? model, IPromptCostStamper stamper, CancellationToken cancellationToken)
    {
        if (!_upstreams.TryGetValue(original.Provider, out var upstream))
        {
            return (new ReplayExecution { Error = "no upstream configured for " + original.Provider }, null);
        }

        var path = original.Path;
        var copy = (JsonObject)body.DeepClone();
        if (original.Provider == Providers.Gemini)
        {
            path = path.Replace(":streamGenerateContent", ":generateContent", StringComparison.Ordinal);
        }
        else if (copy["stream"] is not null)
        {
            copy["stream"] = false;
            copy.Remove("stream_options");
        }

        var uri = new Uri(upstream.ToString().TrimEnd('/') + "/" + path.TrimStart('/'));
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(Serialize(copy)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var key = _credentials(original.Provider);
        if (!string.IsNullOrEmpty(key))
        {
            switch (original.Provider)
            {
                case Providers.Anthropic:
                    request.Headers.TryAddWithoutValidation("x-api-key", key);
                    break;
                case Providers.Gemini:
                    request.Headers.TryAddWithoutValidation("x-goog-api-key", key);
                    break;
                default:
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                    break;
            }
        }

        if (original.Provider == Providers.Anthropic)
        {
            request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        }

        var started = _time.GetUtcNow();
        var t0 = Stopwatch.GetTimestamp();
        var promptEvent = new PromptEvent
        {
            Provider = original.Provider,
            Operation = original.Operation,
            Method = "POST",
            Path = path,
            RequestModel = model,
            StartedAt = started,
            WorkflowId = original.WorkflowId,
            AgentId = original.AgentId,
            SessionId = original.SessionId,
            UserId = original.UserId,
        };
        string? error = null;
        try
        {
            using var response = await _client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            promptEvent.StatusCode = (int)response.StatusCode;
            promptEvent.ResponseBytes = bytes.Length;
            ReadUsage(original.Provider, bytes, promptEvent);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            error = ex.Message;
            promptEvent.ProxyError = "UpstreamRequestFailed";
        }

        promptEvent.LatencyMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        stamper.Stamp(promptEvent);
        var envelope = new Envelope
        {
            Type = EventTypes.Prompt,
            Timestamp = started,
            Source = EventSources.Replay,
            Attributes = new Dictionary<string, string>(StringComparer.Ordinal) { ["replay_of"] = originalId },
            Prompt = promptEvent,
        };
        return (new ReplayExecution
        {
            StatusCode = promptEvent.StatusCode,
            InputTokens = promptEvent.InputTokens,
            OutputTokens = promptEvent.OutputTokens,
            CachedInputTokens = promptEvent.CachedInputTokens,
            CostUsd = promptEvent.CostUsd,
            LatencyMs = Math.Round(promptEvent.LatencyMs, 1),
            Error = error ?? (promptEvent.StatusCode >= 400 ? promptEvent.ErrorType ?? "HTTP " + promptEvent.StatusCode : null),
            EventId = envelope.Id,
        }, envelope);
    }

    private static byte[] Serialize(JsonObject body)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            body.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Normalised usage (see PromptEvent) from a non-streaming JSON response of each provider.</summary>
    internal static void ReadUsage(string provider, byte[] json, PromptEvent e)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return;
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            if (root.TryGetProperty("error", out var err) && err.ValueKind == JsonValueKind.Object)
            {
                e.ErrorType = Str(err, "type") ?? Str(err, "status");
                return;
            }

            e.ResponseModel = Str(root, "model") ?? Str(root, "modelVersion");
            e.ResponseId = Str(root, "id") ?? Str(root, "responseId");
            switch (provider)
            {
                case Providers.Anthropic:
                    if (root.TryGetProperty("usage", out var au))
                    {
                        var input = Long(au, "input_tokens") ?? 0;
                        var read = Long(au, "cache_read_input_tokens") ?? 0;
                        var write = Long(au, "cache_creation_input_tokens") ?? 0;
                        e.InputTokens = input + read + write;
                        e.CachedInputTokens = read;
                        e.CacheWriteInputTokens = write;
                        e.OutputTokens = Long(au, "output_tokens");
                        e.UsageSource = UsageSources.Provider;
                    }

                    break;
                case Providers.Gemini:
                    if (root.TryGetProperty("usageMetadata", out var gu))
                    {
                        e.InputTokens = Long(gu, "promptTokenCount");
                        e.CachedInputTokens = Long(gu, "cachedContentTokenCount");
                        var thoughts = Long(gu, "thoughtsTokenCount") ?? 0;
                        e.OutputTokens = (Long(gu, "candidatesTokenCount") ?? 0) + thoughts;
                        e.ReasoningTokens = thoughts == 0 ? null : thoughts;
                        e.UsageSource = UsageSources.Provider;
                    }

                    break;
                default:
                    if (root.TryGetProperty("usage", out var ou))
                    {
                        e.InputTokens = Long(ou, "prompt_tokens") ?? Long(ou, "input_tokens");
                        e.OutputTokens = Long(ou, "completion_tokens") ?? Long(ou, "output_tokens");
                        if ((ou.TryGetProperty("prompt_tokens_details", out var d) || ou.TryGetProperty("input_tokens_details", out d)) && d.ValueKind == JsonValueKind.Object)
                        {
                            e.CachedInputTokens = Long(d, "cached_tokens");
                        }

                        e.UsageSource = UsageSources.Provider;
                    }

                    break;
            }
        }
    }

    private static string? Str(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long? Long(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    public void Dispose() => _client.Dispose();
}
