using System.Buffers;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using TokenOps.Proxy.Forwarding;

namespace TokenOps.Proxy.Cache;

/// <summary>
/// The response cache on the request path (step 3 of the forwarder).
/// </summary>
/// <remarks>
/// Per request:
/// <list type="number">
/// <item>Decide: <c>Cache-Control: no-cache|no-store</c> or <c>X-TokenOps-Cache: bypass</c> → bypass (no lookup, no
/// store); <c>X-TokenOps-Cache: refresh</c> → no lookup, but store; a body without a Content-Length or larger than
/// <see cref="CacheOptions.MaxRequestBodyBytes"/> → bypass (the key needs the whole body before forwarding).</item>
/// <item>Read the body (one array of Content-Length bytes) and hand it to the forwarder as the body to send.</item>
/// <item>Key = sha256(provider, method, path+query, credential hash, body).</item>
/// <item>Hit → replay status, headers and body, flushing at the original SSE event boundaries; the observer sees
/// the replayed bytes, so the hit event carries the ORIGINAL provider-reported usage.</item>
/// <item>Miss → single-flight: the leader forwards and records (a response tap); only a completed 2xx is stored;
/// followers wait for the leader and are served its entry, or forward themselves when it could not be cached.</item>
/// </list>
/// Every response says <c>X-TokenOps-Cache-Status: hit|miss|bypass|refresh</c>.
/// </remarks>
internal sealed class CacheInterceptor : IPreForwardInterceptor
{
    public const string StatusHeader = "X-TokenOps-Cache-Status";
    private const string ControlHeader = "X-TokenOps-Cache";

    private readonly ResponseCache _cache;
    private readonly TimeProvider _time;

    public CacheInterceptor(ResponseCache cache, TimeProvider time)
    {
        _cache = cache;
        _time = time;
    }

    /// <summary>Bodies at least this large are hashed on a pool thread (~1 ms of SHA-256 and up).</summary>
    internal const int HashOffEventLoopBytes = 512 * 1024;

    public async ValueTask<bool> InterceptAsync(PreForwardContext context)
    {
        var http = context.HttpContext;
        var request = http.Request;
        var mode = Decide(request.Headers, request.ContentLength, _cache.Options.MaxRequestBodyBytes, HasBody(http));
        if (mode == CacheMode.Bypass)
        {
            _cache.CountBypass();
            http.Response.Headers[StatusHeader] = "bypass";
            return false;
        }

        var body = await ReadBodyAsync(request, http.RequestAborted).ConfigureAwait(false);
        context.ReplaceRequestBody(body);
        if (body.Length >= HashOffEventLoopBytes)
        {
            // SHA-256 of megabytes takes milliseconds: not on a socket event loop shared with other connections (inline I/O).
            await Task.Yield();
        }

        var credentialHash = ForwardingExchange.HashCredential(Credential(request.Headers, context.PathAndQuery));
        var key = CacheKey.Compute(context.ProviderName, request.Method, context.PathAndQuery, credentialHash, body);

        if (mode == CacheMode.Lookup)
        {
            if (_cache.TryGet(key, out var cached))
            {
                await ServeAsync(context, cached!, body.Length).ConfigureAwait(false);
                return true;
            }

            if (!_cache.TryBeginFlight(key, out var flight))
            {
                // Someone is fetching this very request right now: wait for their response rather than pay twice.
                bool stored;
                try
                {
                    stored = await flight.Result.WaitAsync(http.RequestAborted).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    stored = false;
                }

                if (stored && !http.RequestAborted.IsCancellationRequested && _cache.TryGet(key, out var shared))
                {
                    await ServeAsync(context, shared!, body.Length).ConfigureAwait(false);
                    return true;
                }

                // The leader's response was not cacheable: forward ourselves, uncached.
                _cache.CountMiss();
                http.Response.Headers[StatusHeader] = "miss";
                return false;
            }

            _cache.CountMiss();
            http.Response.Headers[StatusHeader] = "miss";
            context.ResponseTap = new Recording(_cache, _time, key, flight);
            return false;
        }

        // Refresh: skip the lookup, store the fresh response (still single-flight, so a burst of refreshes goes up once each).
        _cache.CountRefresh();
        http.Response.Headers[StatusHeader] = "refresh";
        var leader = _cache.TryBeginFlight(key, out var refreshFlight);
        context.ResponseTap = new Recording(_cache, _time, key, leader ? refreshFlight : null);
        return false;
    }

    internal static CacheMode Decide(IHeaderDictionary headers, long? contentLength, int maxBodyBytes, bool hasBody)
    {
        var control = headers[ControlHeader];
        if (Contains(control, "bypass") || Contains(headers.CacheControl, "no-store") || Contains(headers.CacheControl, "no-cache"))
        {
            return CacheMode.Bypass;
        }

        if (hasBody && (contentLength is null || contentLength > maxBodyBytes))
        {
            return CacheMode.Bypass;
        }

        return Contains(control, "refresh") ? CacheMode.Refresh : CacheMode.Lookup;
    }

    private static bool Contains(StringValues values, string token)
    {
        foreach (var value in values)
        {
            if (value is not null && value.Contains(token, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasBody(HttpContext context) =>
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? context.Request.ContentLength > 0;

    private static string? Credential(IHeaderDictionary headers, string pathAndQuery)
    {
        var authorization = headers.Authorization;
        if (!StringValues.IsNullOrEmpty(authorization))
        {
            return authorization.ToString();
        }

        var apiKey = headers["x-api-key"];
        if (!StringValues.IsNullOrEmpty(apiKey))
        {
            return apiKey.ToString();
        }

        var googKey = headers["x-goog-api-key"];
        if (!StringValues.IsNullOrEmpty(googKey))
        {
            return googKey.ToString();
        }

        var q = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        return q < 0 ? null : ForwardingExchange.KeyFromQuery(pathAndQuery[q..]);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var length = (int)(request.ContentLength ?? 0);
        if (length == 0)
        {
            return [];
        }

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

    /// <summary>Replays a cached response; the observer sees it as if it came from upstream.</summary>
    private async Task ServeAsync(PreForwardContext context, CachedResponse cached, int requestBytes)
    {
        var http = context.HttpContext;
        var response = http.Response;
        _cache.CountHit();
        response.StatusCode = cached.StatusCode;
        string? contentType = null;
        string? contentEncoding = null;
        foreach (var header in cached.Headers)
        {
            response.Headers.Append(header.Key, header.Value);
            if (header.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                contentType = header.Value;
            }
            else if (header.Key.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                contentEncoding = header.Value;
            }
        }

        response.Headers[StatusHeader] = "hit";
        var exchange = context.Exchange;
        if (context.Event is { } promptEvent)
        {
            promptEvent.CacheHit = true;
        }

        if (exchange is not null && context.RequestBodyOverride is { } sentBody)
        {
            exchange.OnRequestBody(sentBody.Span);
        }

        var mediaType = contentType is null ? null : contentType.Split(';', 2)[0].Trim();
        exchange?.OnResponseStart(cached.StatusCode, mediaType, contentEncoding);
        var start = 0;
        foreach (var end in cached.SegmentEnds)
        {
            var segment = cached.Body.Slice(start, end - start);
            exchange?.OnResponseBody(segment.Span, Stopwatch.GetTimestamp());
            await response.Body.WriteAsync(segment, http.RequestAborted).ConfigureAwait(false);
            await response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
            start = end;
        }

        await response.CompleteAsync().ConfigureAwait(false);
        context.AnsweredRequestBytes = requestBytes;
        context.AnsweredResponseBytes = cached.Body.Length;
    }

    internal enum CacheMode
    {
        Lookup,
        Refresh,
        Bypass,
    }

    /// <summary>Records a miss/refresh as it is relayed and stores it when it completed with a 2xx.</summary>
    private sealed class Recording : IResponseTap
    {
        private readonly ResponseCache _cache;
        private readonly TimeProvider _time;
        private readonly CacheKey _key;
        private readonly ResponseCache.Flight? _flight;
        private CacheRecorder? _recorder;
        private int _status;
        private KeyValuePair<string, string>[] _headers = [];

        public Recording(ResponseCache cache, TimeProvider time, CacheKey key, ResponseCache.Flight? flight)
        {
            _cache = cache;
            _time = time;
            _key = key;
            _flight = flight;
        }

        public void OnResponseStart(int statusCode, HttpResponseMessage response)
        {
            _status = statusCode;
            if (statusCode is < 200 or > 299)
            {
                return; // errors are never cached
            }

            var mediaType = response.Content.Headers.ContentType?.MediaType;
            var eventStream = string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);
            var length = response.Content.Headers.ContentLength;
            _recorder = new CacheRecorder(_cache.Options.MaxEntryBytes, eventStream, length is > 0 and < 1 << 20 ? (int)length : 4096);
            _headers = HeaderPolicy.CacheableResponseHeaders(response);
        }

        public void OnResponseBody(ReadOnlySpan<byte> chunk) => _recorder?.Append(chunk);

        public void OnCompleted(bool success)
        {
            var stored = false;
            try
            {
                if (success && _recorder is { Overflowed: false } recorder)
                {
                    stored = recorder.StoreInto(_cache, _key, _status, _headers, _time.GetUtcNow(), _cache.Options.Ttl);
                }
                else if (_recorder is not null)
                {
                    _cache.CountNotStored();
                }
            }
            finally
            {
                _recorder?.Dispose();
                _recorder = null;
                if (_flight is not null)
                {
                    _cache.CompleteFlight(_flight, stored);
                }
            }
        }
    }
}
