using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace TokenOps.Proxy.Forwarding;

/// <summary>
/// The hand-rolled streaming forwarder: one client exchange in, one upstream exchange out, bodies streamed
/// both ways through pooled pipe memory, never buffered whole.
/// </summary>
/// <remarks>
/// <see cref="ForwardAsync"/> runs these steps (numbered the same in the body):
/// <list type="number">
/// <item>Route: upstream base of the provider, raw path-after-prefix and query.</item>
/// <item>Metering: when a publisher is registered, start the <see cref="Core.Events.PromptEvent"/> and the observer.</item>
/// <item>Interceptors: cache/optimizer may answer or rewrite the request (skipped when none).</item>
/// <item>Build the upstream request: method, joined URI, header policy, streaming body.</item>
/// <item>Send and wait for the response headers under the first-byte timeout.</item>
/// <item>Relay status and headers (SSE responses start immediately).</item>
/// <item>Copy the body chunk by chunk under the idle timeout, flushing each chunk.</item>
/// <item>Complete the response so the client has everything; or map the failure in one place.</item>
/// <item>Hand the exchange off the request path: observer → cost → publish.</item>
/// </list>
/// </remarks>
internal sealed partial class Forwarder : IDisposable
{
    private static readonly string[] ErrorNames = Enum.GetNames<ForwarderError>();

    private readonly ProxyOptions _options;
    private readonly HttpMessageInvoker _invoker;
    private readonly ForwarderServices _services;
    private readonly ILogger _logger;

    public Forwarder(ProxyOptions options, HttpMessageInvoker invoker, ForwarderServices services, ILogger logger)
    {
        _options = options;
        _invoker = invoker;
        _services = services;
        _logger = logger;
        Routes = ProviderRoute.Build(options);
    }

    public ProviderRoute[] Routes { get; }

    public ForwarderCounters Counters => _services.Counters;

    public async Task ForwardAsync(HttpContext context, ProviderRoute route)
    {
        var counters = _services.Counters;
        var time = _services.TimeProvider;
        counters.RequestStarted();
        var startedAt = time.GetTimestamp();
        long headersAt = 0;
        long requestBytes = 0;
        long responseBytes = 0;
        var error = ForwarderError.None;
        Exception? failure = null;
        ForwardingExchange? exchange = null;
        ResponseTapGuard? tap = null;
        var path = "/";
        try
        {
            // 1. Route.
            if (route.UpstreamBase is null)
            {
                error = ForwarderError.NoRoute;
                return;
            }

            var restAndQuery = RestAndQuery(context, route);
            path = UpstreamPath.PathOnly(restAndQuery);

            // 2. Metering (nothing at all in minimal mode).
            if (_services.Publisher is not null)
            {
                exchange = ForwardingExchange.Start(_services, context, route.Name, path, restAndQuery);
            }

            // 3. Interceptors.
            ReadOnlyMemory<byte>? bodyOverride = null;
            if (_services.Interceptors.Length != 0)
            {
                var preForward = new PreForwardContext(context, route.Kind, route.Name, path, restAndQuery, exchange);
                try
                {
                    var answered = await RunInterceptorsAsync(_services.Interceptors, preForward).ConfigureAwait(false);
                    tap = preForward.ResponseTap is { } responseTap ? new ResponseTapGuard(responseTap, counters) : null;
                    if (answered)
                    {
                        requestBytes = preForward.AnsweredRequestBytes;
                        responseBytes = preForward.AnsweredResponseBytes;
                        return;
                    }
                }
                catch (Exception ex)
                {
                    error = ForwarderError.InterceptorFailed;
                    failure = ex;
                    return;
                }

                bodyOverride = preForward.RequestBodyOverride;
            }

            // 4. Build the upstream request. The proxy forwards bodies of any size: lift Kestrel's 30 MB default.
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
            {
                bodySize.MaxRequestBodySize = null;
            }

            using var activity = new ActivityTimeout(time, context.RequestAborted);
            HttpRequestMessage request;
            StreamingRequestContent? streamingBody;
            try
            {
                request = CreateRequest(context, route.UpstreamBase, restAndQuery, activity, exchange, bodyOverride, out streamingBody);
            }
            catch (Exception ex) when (ex is UriFormatException or ArgumentException or FormatException)
            {
                error = ForwarderError.RequestCreation;
                failure = ex;
                return;
            }

            using (request)
            {
                // 5. Send; the first-byte period covers connect, request body upload and the upstream's thinking time.
                activity.Arm(_options.FirstByteTimeout);
                HttpResponseMessage response;
                try
                {
                    response = await _invoker.SendAsync(request, activity.Token).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    requestBytes = streamingBody?.Bytes ?? bodyOverride?.Length ?? 0;
                    error = ClassifySendFailure(ex, context, activity, streamingBody);
                    failure = ex;
                    return;
                }

                using (response)
                {
                    headersAt = time.GetTimestamp();

                    // 6. Status and headers.
                    activity.Arm(_options.IdleTimeout);
                    var statusCode = (int)response.StatusCode;
                    context.Response.StatusCode = statusCode;
                    HeaderPolicy.CopyResponseHeaders(response, context.Response.Headers);
                    var contentType = response.Content.Headers.ContentType?.MediaType;
                    exchange?.OnResponseStart(statusCode, contentType, ContentEncoding(response));
                    tap?.Start(statusCode, response);

                    Stream upstreamBody;
                    try
                    {
                        if (contentType is not null && contentType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase))
                        {
                            // The client sees the stream open the moment the upstream opened it.
                            await context.Response.StartAsync(activity.Token).ConfigureAwait(false);
                        }

                        upstreamBody = await response.Content.ReadAsStreamAsync(activity.Token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException or InvalidOperationException)
                    {
                        error = context.RequestAborted.IsCancellationRequested ? ForwarderError.ClientAborted : ForwarderError.UpstreamResponseBodyFailed;
                        failure = ex;
                        return;
                    }

                    // 7. Body.
                    var (result, bytes) = await StreamCopier.CopyAsync(upstreamBody, context.Response.BodyWriter, activity, exchange, tap).ConfigureAwait(false);
                    responseBytes = bytes;
                    requestBytes = streamingBody?.Bytes ?? bodyOverride?.Length ?? 0;
                    error = result switch
                    {
                        StreamCopyResult.Success => ForwarderError.None,
                        StreamCopyResult.InputError => context.RequestAborted.IsCancellationRequested ? ForwarderError.ClientAborted : ForwarderError.UpstreamResponseBodyFailed,
                        StreamCopyResult.OutputError => context.RequestAborted.IsCancellationRequested ? ForwarderError.ClientAborted : ForwarderError.ResponseBodyClientFailed,
                        _ => context.RequestAborted.IsCancellationRequested ? ForwarderError.ClientAborted : ForwarderError.UpstreamIdleTimeout,
                    };
                    if (error != ForwarderError.None)
                    {
                        return;
                    }

                    // 8. Complete: the client has its whole response before any metering work happens.
                    try
                    {
                        await context.Response.CompleteAsync().ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
                    {
                        error = context.RequestAborted.IsCancellationRequested ? ForwarderError.ClientAborted : ForwarderError.ResponseBodyClientFailed;
                        failure = ex;
                    }
                }
            }
        }
        finally
        {
            if (error != ForwarderError.None)
            {
                // 8'. The one place failures become a status + provider-shaped body, or an abort.
                await FailAsync(context, route, error, path, failure).ConfigureAwait(false);
            }

            counters.AddBytes(requestBytes, responseBytes);
            tap?.Complete(error == ForwarderError.None);

            // 9. Off the request path.
            if (exchange is not null)
            {
                var promptEvent = exchange.Event;
                promptEvent.StatusCode = context.Response.StatusCode;
                promptEvent.RequestBytes = requestBytes;
                promptEvent.ResponseBytes = responseBytes;
                promptEvent.TimeToFirstByteMs = headersAt == 0 ? null : time.GetElapsedTime(startedAt, headersAt).TotalMilliseconds;
                promptEvent.LatencyMs = time.GetElapsedTime(startedAt).TotalMilliseconds;
                promptEvent.ProxyError = error == ForwarderError.None ? null : ErrorNames[(int)error];
                exchange.QueueCompletion(error == ForwarderError.None);
            }

            counters.RequestEnded();
        }
    }

    /// <summary>Answers a path no route matched: 404 in the generic (OpenAI-style) error shape.</summary>
    public Task NotFoundAsync(HttpContext context) =>
        FailAsync(context, null, ForwarderError.NoRoute, context.Request.Path.Value ?? "/", null);

    /// <summary>Step 3: interceptors in registration order until one answers. Completes synchronously (no allocation) when they all do.</summary>
    internal static async Task<bool> RunInterceptorsAsync(IPreForwardInterceptor[] interceptors, PreForwardContext preForward)
    {
        foreach (var interceptor in interceptors)
        {
            if (await interceptor.InterceptAsync(preForward).ConfigureAwait(false))
            {
                return true;
            }
        }

        return false;
    }

    private static string? ContentEncoding(HttpResponseMessage response) =>
        response.Content.Headers.NonValidated.TryGetValues("Content-Encoding", out var values) ? values.ToString() : null;

    /// <summary>The raw path-after-prefix plus query, so encoded characters reach the upstream exactly as sent.</summary>
    private static string RestAndQuery(HttpContext context, ProviderRoute route)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (rawTarget is not null && UpstreamPath.RestFromRawTarget(rawTarget, route.Prefix) is { } rest)
        {
            return rest;
        }

        return FallbackRestAndQuery(context, route);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static string FallbackRestAndQuery(HttpContext context, ProviderRoute route)
    {
        // Absolute-form target or an encoded prefix: rebuild from the decoded path (re-encoded) and the query.
        var path = context.Request.Path.Value ?? "";
        var rest = path.Length > route.Prefix.Length ? path[route.Prefix.Length..] : "";
        return new PathString(rest).ToUriComponent() + context.Request.QueryString.ToUriComponent();
    }

    /// <summary>Completes (and publishes) every exchange still queued for metering. Shutdown calls it before the bus stops.</summary>
    public int DrainCompletions() => _services.Pump?.Drain() ?? 0;

    public void Dispose()
    {
        _services.Pump?.Dispose();
        _invoker.Dispose();
    }
}
