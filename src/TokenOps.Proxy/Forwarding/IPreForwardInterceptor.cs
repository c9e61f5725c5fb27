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
    internal PreForwardContext(HttpContext httpContext, ProviderKind provider, string path, PromptEvent? promptEvent)
    {
        HttpContext = httpContext;
        Provider = provider;
        Path = path;
        Event = promptEvent;
    }

    public HttpContext HttpContext { get; }

    public ProviderKind Provider { get; }

    /// <summary>Path after the provider prefix, without the query string.</summary>
    public string Path { get; }

    /// <summary>The exchange's event (null in minimal mode), e.g. for a cache to set <c>CacheHit</c>.</summary>
    public PromptEvent? Event { get; }

    /// <summary>The body to send upstream instead of the client's, when an interceptor replaced it.</summary>
    public ReadOnlyMemory<byte>? RequestBodyOverride { get; private set; }

    /// <summary>Send <paramref name="body"/> upstream instead of the client's body (Content-Length is updated).</summary>
    public void ReplaceRequestBody(ReadOnlyMemory<byte> body) => RequestBodyOverride = body;
}
