using System.Net;
using System.Net.Sockets;

namespace TokenOps.ProxyFloor;

/// <summary>Kestrel in front, the plainest possible HttpClient forward behind (no timeouts, no metering, no
/// header policy): isolates what SocketsHttpHandler costs from what TokenOps' forwarder adds around it.</summary>
internal sealed class HttpClientForwarder(IPEndPoint upstreamEndPoint)
{
    private readonly HttpMessageInvoker _invoker = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        ActivityHeadersPropagator = null,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        },
    });

    private readonly string _base = "http://" + upstreamEndPoint;

    public async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        if (path.StartsWith("/openai", StringComparison.Ordinal))
        {
            path = path.Length == 7 ? "/" : path[7..];
        }

        using var message = new HttpRequestMessage(new HttpMethod(request.Method), _base + path + request.QueryString.Value);
        message.Content = new StreamContent(request.Body);
        foreach (var (name, values) in request.Headers)
        {
            if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                message.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values);
            }
            else if (!name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values);
            }
        }

        using var response = await _invoker.SendAsync(message, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers)
        {
            if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && !name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers.Append(name, values.ToArray());
            }
        }

        foreach (var (name, values) in response.Content.Headers)
        {
            context.Response.Headers.Append(name, values.ToArray());
        }

        await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            await context.Response.Body.WriteAsync(buffer.AsMemory(0, n), context.RequestAborted);
        }
    }
}
