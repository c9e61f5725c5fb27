using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using TokenOps.Core.Bus;
using TokenOps.Core.Events;
using TokenOps.Optimizer.Pipeline;
using TokenOps.Proxy.Forwarding;
using TokenOps.Proxy.Observation;

namespace TokenOps.Proxy.Optimization;

/// <summary>
/// Interactive mode: rewrites the request body with the accepted recommendations BEFORE it is forwarded.
/// </summary>
/// <remarks>
/// <para>Active for a request when <c>optimizer.mode=interactive</c> (unless the request says
/// <c>X-TokenOps-Optimize: passive|off</c>) or when the request says <c>X-TokenOps-Optimize: interactive</c>. Like every
/// <c>X-TokenOps-*</c> header it never goes upstream.</para>
/// <list type="number">
/// <item>Only POSTs of chat operations (chat, responses, messages, generateContent, streamGenerateContent) with a known
/// Content-Length ≤ <c>optimizer.max_body_bytes</c> and no Content-Encoding are read; anything else passes untouched
/// and unread (chunked bodies are never buffered).</item>
/// <item>The body is parsed as a <see cref="JsonNode"/>; a body that does not parse is forwarded byte-for-byte.</item>
/// <item>The pipeline runs in interactive mode (latency budget, min_quality, kinds); any optimizer error only skips
/// that optimizer.</item>
/// <item>When something was applied, the rewritten JSON goes upstream and the response carries
/// <c>X-TokenOps-Optimized: &lt;kinds&gt;</c> (set here, before the upstream's headers are copied — the forwarder only
/// sets upstream header names, so ours survives).</item>
/// <item>Every recommendation is published as an OptimizationEvent (applied / rejected / skipped) whose
/// <c>prompt_event_id</c> is the id reserved for the request's PromptEvent envelope (published later, on completion).</item>
/// </list>
/// </remarks>
internal sealed class OptimizerInterceptor : IPreForwardInterceptor
{
    public const string ModeHeader = "X-TokenOps-Optimize";
    public const string OptimizedHeader = "X-TokenOps-Optimized";

    private readonly OptimizationPipeline _pipeline;
    private readonly IEventPublisher? _publisher;
    private readonly OptimizerMarks _marks;
    private readonly TimeProvider _time;

    public OptimizerInterceptor(OptimizationPipeline pipeline, IEventPublisher? publisher, OptimizerMarks marks, TimeProvider time)
    {
        _pipeline = pipeline;
        _publisher = publisher;
        _marks = marks;
        _time = time;
    }

    public ValueTask<bool> InterceptAsync(PreForwardContext context)
    {
        var request = context.HttpContext.Request;
        var header = request.Headers[ModeHeader];
        var interactive = header.Count == 0
            ? _pipeline.Options.Mode == OptimizerMode.Interactive
            : Is(header, "interactive") || (_pipeline.Options.Mode == OptimizerMode.Interactive && !Is(header, "passive") && !Is(header, "off"));
        if (!interactive || !HttpMethods.IsPost(request.Method))
        {
            return ValueTask.FromResult(false);
        }

        return InteractiveAsync(context);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private async ValueTask<bool> InteractiveAsync(PreForwardContext context)
    {
        var http = context.HttpContext;
        var request = http.Request;
        var operation = Operations.Classify(context.ProviderName, request.Method, context.Path, out var pathModel);
        if (!IsChat(operation))
        {
            return false;
        }

        ReadOnlyMemory<byte> original;
        if (context.RequestBodyOverride is { } earlier)
        {
            // An earlier interceptor (the response cache) already read the body.
            original = earlier;
        }
        else
        {
            var length = request.ContentLength;
            if (length is null or <= 0 || length > _pipeline.Options.MaxBodyBytes || !StringValues.IsNullOrEmpty(request.Headers.ContentEncoding))
            {
                return false;
            }

            original = await ReadBodyAsync(request, (int)length.Value, http.RequestAborted).ConfigureAwait(false);
            context.ReplaceRequestBody(original);
        }

        if (original.Length > _pipeline.Options.MaxBodyBytes)
        {
            return false;
        }

        JsonObject? body;
        try
        {
            body = JsonNode.Parse(original.Span) as JsonObject;
        }
        catch (JsonException)
        {
            body = null;
        }

        if (body is null)
        {
            return false;
        }

        var headers = request.Headers;

        // Reserve the id the prompt event's envelope will carry, so each OptimizationEvent links to its request.
        var promptEvent = context.Event;

        var optimization = new OptimizationRequest
        {
            Provider = context.ProviderName,
            Operation = operation,
            Model = JsonModel(body) ?? pathModel,
            Body = body,
            SessionId = NullIfEmpty(headers["X-TokenOps-Session-Id"]),
            WorkflowId = NullIfEmpty(headers["X-TokenOps-Workflow-Id"]),
            AgentId = NullIfEmpty(headers["X-TokenOps-Agent-Id"]),
            CredentialHash = ForwardingExchange.HashCredential(NullIfEmpty(headers.Authorization) ?? NullIfEmpty(headers["x-api-key"]) ?? NullIfEmpty(headers["x-goog-api-key"])),
            PromptEventId = promptEvent?.ReserveEnvelopeId(),
        };

        // The pipeline is CPU work (parsing, tokenizing, scoring: milliseconds on a long conversation). With inline I/O
        // this request runs on a socket event loop shared with other connections: do the work on a pool thread instead.
        await Task.Yield();

        OptimizationOutcome outcome;
        try
        {
            outcome = _pipeline.Run(optimization, PipelineRunMode.Interactive);
        }
        catch (Exception)
        {
            // The pipeline guards each optimizer; this is a last line of defence: the request is never harmed.
            return false;
        }

        if (promptEvent is not null)
        {
            _marks.Mark(promptEvent);
        }

        if (outcome.Changed)
        {
            context.ReplaceRequestBody(Serialize(outcome.Body));
            http.Response.Headers[OptimizedHeader] = outcome.AppliedKinds;
        }

        Publish(outcome, optimization);
        return false;
    }

    private void Publish(OptimizationOutcome outcome, OptimizationRequest request)
    {
        if (_publisher is null)
        {
            return;
        }

        var now = _time.GetUtcNow();
        foreach (var recommendation in outcome.Recommendations)
        {
            _publisher.TryPublish(Envelope.ForOptimization(OptimizationPipeline.ToEvent(recommendation, request), now));
        }
    }

    internal static bool IsChat(string operation) =>
        operation is Operations.Chat or Operations.Responses or Operations.Messages or Operations.GenerateContent or Operations.StreamGenerateContent;

    internal static byte[] Serialize(JsonObject body)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);

        // Relaxed escaping: the body goes to an API, never into HTML; escaping '<', '`' and non-ASCII would only bloat it.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            body.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    internal static string? JsonModel(JsonObject body) =>
        body["model"] is JsonValue v && v.TryGetValue<string>(out var model) && model.Length > 0 ? model : null;

    /// <summary><see cref="JsonModel(JsonObject)"/> over a parsed element (the passive worker's: reading a tree would build it).</summary>
    internal static string? JsonModel(JsonElement body) =>
        body.TryGetProperty("model"u8, out var model) && model.ValueKind == JsonValueKind.String && model.GetString() is { Length: > 0 } name ? name : null;

    private static bool Is(StringValues values, string expected)
    {
        foreach (var value in values)
        {
            if (string.Equals(value?.Trim(), expected, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static string? NullIfEmpty(StringValues values) => StringValues.IsNullOrEmpty(values) ? null : values.ToString();

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, int length, CancellationToken cancellationToken)
    {
        var body = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = await request.Body.ReadAsync(body.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new BadHttpRequestException("The request body ended before its Content-Length.", StatusCodes.Status400BadRequest);
            }

            read += n;
        }

        return body;
    }
}

/// <summary>Prompt events whose request the interactive interceptor already optimized: the passive hook leaves them alone.</summary>
internal sealed class OptimizerMarks
{
    private static readonly object Marker = new();
    private readonly ConditionalWeakTable<PromptEvent, object> _marks = [];

    public void Mark(PromptEvent promptEvent) => _marks.AddOrUpdate(promptEvent, Marker);

    public bool IsMarked(PromptEvent promptEvent) => _marks.TryGetValue(promptEvent, out _);
}
