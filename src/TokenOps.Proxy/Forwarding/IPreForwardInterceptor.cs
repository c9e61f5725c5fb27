using Microsoft.AspNetCore.Http;
using TokenOps.Core.Events;
using TokenOps.Proxy.Providers;

namespace TokenOps.Proxy.Forwarding;

/// <summary>
/// A step that runs before the request is forwarded, in registration order — the seam for the response cache
/// (answer a hit without calling the upstream) and the interactive optimizer (rewrite the request body).
/// Registered in DI as <c>IPreForwardInterceptor</c>; with none registered the forwarder skips this step.
/// </summary>
public interface IPreForwardInterceptor
{
    /// <summary>
    /// Inspect (and possibly answer or rewrite) the request. Return true when the interceptor has written the
    /// complete response itself: forwarding stops there. An interceptor that reads <c>Request.Body</c> must call
    /// <see cref="PreForwardContext.ReplaceRequestBody"/> (with the same bytes if unchanged), because the
    /// client's body stream can only be read once.
    /// </summary>
    ValueTask<bool> InterceptAsync(PreForwardContext context);
}

/// <summary>What an interceptor sees of the exchange.</summary>
public sealed class PreForwardContext
{
    internal PreForwardContext(HttpContext httpContext, ProviderKind provider, string providerName, string path, string pathAndQuery, ForwardingExchange? exchange)
    {
        HttpContext = httpContext;
        Provider = provider;
        ProviderName = providerName;
        Path = path;
        PathAndQuery = pathAndQuery;
        Exchange = exchange;
        Event = exchange?.Event;
    }

    public HttpContext HttpContext { get; }

    public ProviderKind Provider { get; }

    /// <summary>openai | anthropic | gemini.</summary>
    public string ProviderName { get; }

    /// <summary>Path after the provider prefix, without the query string.</summary>
    public string Path { get; }

    /// <summary>Raw path after the provider prefix with the query string, exactly as sent upstream.</summary>
    public string PathAndQuery { get; }

    /// <summary>The metering side of the exchange (null in minimal mode): an interceptor answering the request feeds it.</summary>
    internal ForwardingExchange? Exchange { get; }

    /// <summary>Set by an interceptor that wants to see the upstream response as it is relayed (the cache recording a miss).</summary>
    public IResponseTap? ResponseTap { get; set; }

    /// <summary>Bytes an interceptor that answered the request itself received and sent, for the event.</summary>
    internal long AnsweredRequestBytes { get; set; }

    internal long AnsweredResponseBytes { get; set; }

    /// <summary>The exchange's event (null in minimal mode), e.g. for a cache to set <c>CacheHit</c>.</summary>
    public PromptEvent? Event { get; }

    /// <summary>The body to send upstream instead of the client's, when an interceptor replaced it.</summary>
    public ReadOnlyMemory<byte>? RequestBodyOverride { get; private set; }

    /// <summary>Send <paramref name="body"/> upstream instead of the client's body (Content-Length is updated).</summary>
    public void ReplaceRequestBody(ReadOnlyMemory<byte> body) => RequestBodyOverride = body;
}
