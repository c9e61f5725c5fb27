using System.Net;
using System.Net.Sockets;

namespace TokenOps.Proxy.Forwarding;

/// <summary>
/// The outbound leg: one pooled <see cref="SocketsHttpHandler"/> shared by every exchange, configured for a
/// transparent proxy (cf. YARP ForwarderHttpClientFactory).
/// </summary>
internal static class UpstreamHandlerFactory
{
    public static HttpMessageInvoker CreateInvoker(ProxyOptions options) => new(CreateHandler(options), disposeHandler: true);

    public static SocketsHttpHandler CreateHandler(ProxyOptions options) => new()
    {
        // The proxy is the proxy: never chain through HTTP_PROXY, never follow redirects (the client decides),
        // never keep cookies across users.
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        // Compressed bytes pass through untouched: the client asked for them (its Accept-Encoding is forwarded as
        // sent) and decompresses them itself; the observation tap gets the same raw chunks plus Content-Encoding
        // and decompresses on its own side, off the forwarding path. Decompressing here would change the bytes
        // and the framing the client sees.
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = options.ConnectTimeout,
        PooledConnectionIdleTimeout = options.PooledConnectionIdleTimeout,
        PooledConnectionLifetime = options.PooledConnectionLifetime,
        EnableMultipleHttp2Connections = true,
        // No Activity/traceparent injection: the client's own trace headers pass through unchanged.
        ActivityHeadersPropagator = null,
        ConnectCallback = ConnectAsync,
    };

    /// <summary>TCP_NODELAY on the upstream leg: SSE events are small writes that must not wait for Nagle.</summary>
    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
