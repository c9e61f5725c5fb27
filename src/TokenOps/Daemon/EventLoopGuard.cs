using Microsoft.AspNetCore.Http;
using TokenOps.Proxy.Forwarding;

namespace TokenOps.Daemon;

/// <summary>
/// With <c>inline_io</c> on, a request runs on the socket event-loop thread that read it, and every connection served by
/// that loop waits while it does. The proxy path only awaits I/O and does bounded work per chunk; every other endpoint
/// (the dashboard API and its synchronous SQLite queries, control endpoints, the 404 fallback) is first moved to the
/// thread pool here, so a slow query can never stall proxied traffic.
/// </summary>
/// <remarks>
/// Only the code up to the handler's first awaited I/O that has to wait is moved: when a read or write pends, its
/// completion resumes the handler on the event loop again. Non-proxy handlers therefore do their blocking work first
/// and then write the response (none of them reads a request body); keep it that way, or hop again before blocking.
/// </remarks>
internal sealed class EventLoopGuard
{
    private readonly RequestDelegate _next;
    private readonly string[] _proxyPrefixes;

    public EventLoopGuard(RequestDelegate next, Forwarder forwarder)
    {
        _next = next;
        _proxyPrefixes = [.. forwarder.Routes.Select(static r => r.Prefix)];
    }

    public Task InvokeAsync(HttpContext context) =>
        IsProxyPath(context.Request.Path.Value, _proxyPrefixes) ? _next(context) : OffTheEventLoopAsync(context);

    /// <summary>True for a path under one of the provider mounts (<c>/openai</c>, <c>/anthropic</c>, <c>/gemini</c>), matched as routing does.</summary>
    internal static bool IsProxyPath(string? path, string[] proxyPrefixes)
    {
        if (path is null)
        {
            return false;
        }

        foreach (var prefix in proxyPrefixes)
        {
            if (path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                && (path.Length == prefix.Length || path[prefix.Length] == '/'))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Socket completions run on the event-loop threads (the runtime reads <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c>
    /// once, when the process creates its first socket, so this must run before that). A value the user set is kept.
    /// Only the daemon process does this: a test host sharing its process with other code must not flip it.
    /// </summary>
    public static void EnableInlineSocketCompletions()
    {
        const string variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
        if (Environment.GetEnvironmentVariable(variable) is null)
        {
            Environment.SetEnvironmentVariable(variable, "1");
        }
    }

    private async Task OffTheEventLoopAsync(HttpContext context)
    {
        // No SynchronizationContext in Kestrel: the continuation is queued to the thread pool.
        await Task.Yield();
        await _next(context).ConfigureAwait(false);
    }
}
