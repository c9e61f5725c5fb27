using System.Net;
using System.Net.Sockets;

namespace TokenOps.ProxyFloor;

/// <summary>One client connection relayed over its own keep-alive upstream connection: read a request head,
/// forward it (mount prefix removed) with its body, relay the response until its framing says it is complete.</summary>
internal sealed class RawSession(Socket client, IPEndPoint upstreamEndPoint, bool blocking)
{
    private const int BufferSize = 64 * 1024;
    private static readonly byte[] TooLarge = "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray();
    private static readonly byte[] BadGateway = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray();
    private readonly byte[] _request = new byte[BufferSize];
    private readonly byte[] _out = new byte[2 * BufferSize];
    private readonly byte[] _response = new byte[BufferSize];
    private int _filled;
    private Socket? _upstream;

    public async Task RunAsync()
    {
        try
        {
            while (await ExchangeAsync())
            {
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            client.Dispose();
            _upstream?.Dispose();
        }
    }

    private async ValueTask<bool> ExchangeAsync()
    {
        // 1. The request head.
        int headEnd;
        while ((headEnd = Http1.HeadEnd(_request.AsSpan(0, _filled))) < 0)
        {
            if (_filled == _request.Length)
            {
                await SendAsync(client, TooLarge);
                return false;
            }

            var n = await ReceiveAsync(client, _request.AsMemory(_filled));
            if (n == 0)
            {
                return false;
            }

            _filled += n;
        }

        var (length, _, close) = Http1.Framing(_request.AsSpan(0, headEnd));
        length = Math.Max(length, 0);

        // 2. Head (rewritten) + the body bytes already here in one send, then the rest of the body.
        var written = Http1.RewriteRequestHead(_request.AsSpan(0, headEnd), "/openai"u8, _out);
        var bodyHere = (int)Math.Min(length, _filled - headEnd);
        _request.AsSpan(headEnd, bodyHere).CopyTo(_out.AsSpan(written));
        written += bodyHere;
        var upstream = _upstream ??= await ConnectAsync();
        await SendAsync(upstream, _out.AsMemory(0, written));
        var consumed = headEnd + bodyHere;
        _filled -= consumed;
        if (_filled > 0)
        {
            Buffer.BlockCopy(_request, consumed, _request, 0, _filled);
        }

        for (var remaining = length - bodyHere; remaining > 0;)
        {
            var n = await ReceiveAsync(client, _request.AsMemory(0, (int)Math.Min(remaining, _request.Length)));
            if (n == 0)
            {
                return false;
            }

            await SendAsync(upstream, _request.AsMemory(0, n));
            remaining -= n;
        }

        // 3. The response: head, then body until its framing is complete.
        var got = 0;
        while ((headEnd = Http1.HeadEnd(_response.AsSpan(0, got))) < 0)
        {
            var n = got == _response.Length ? 0 : await ReceiveAsync(upstream, _response.AsMemory(got));
            if (n == 0)
            {
                await SendAsync(client, BadGateway);
                return false;
            }

            got += n;
        }

        var (responseLength, chunked, responseClose) = Http1.Framing(_response.AsSpan(0, headEnd));
        var untilClose = !chunked && responseLength < 0;
        var tracker = default(ChunkTracker);
        var left = responseLength - (got - headEnd);
        var done = chunked ? tracker.Feed(_response.AsSpan(headEnd, got - headEnd)) : !untilClose && left <= 0;
        await SendAsync(client, _response.AsMemory(0, got));
        while (!done)
        {
            var n = await ReceiveAsync(upstream, _response);
            if (n == 0)
            {
                if (untilClose)
                {
                    return false;
                }

                throw new SocketException((int)SocketError.ConnectionReset);
            }

            done = chunked ? tracker.Feed(_response.AsSpan(0, n)) : !untilClose && (left -= n) <= 0;
            await SendAsync(client, _response.AsMemory(0, n));
        }

        if (responseClose)
        {
            upstream.Dispose();
            _upstream = null;
        }

        return !close;
    }

    private async ValueTask<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (blocking)
        {
            socket.Connect(upstreamEndPoint);
        }
        else
        {
            await socket.ConnectAsync(upstreamEndPoint);
        }

        return socket;
    }

    private ValueTask<int> ReceiveAsync(Socket socket, Memory<byte> buffer) =>
        blocking ? new(socket.Receive(buffer.Span)) : socket.ReceiveAsync(buffer, SocketFlags.None);

    private async ValueTask SendAsync(Socket socket, ReadOnlyMemory<byte> buffer)
    {
        if (blocking)
        {
            while (buffer.Length > 0)
            {
                buffer = buffer[socket.Send(buffer.Span)..];
            }
        }
        else
        {
            await socket.SendAsync(buffer, SocketFlags.None);
        }
    }
}
