using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TokenOps.ProxyFloor;

/// <summary>Kestrel in front, the hand-rolled HTTP/1.1 client behind: isolates what Kestrel's request
/// machinery costs from what HttpClient's does.</summary>
internal sealed class KestrelForwarder(IPEndPoint upstreamEndPoint)
{
    private const int BufferSize = 64 * 1024;
    private readonly ConcurrentStack<Upstream> _idle = new();

    public async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        var upstream = _idle.TryPop(out var pooled) ? pooled : await ConnectAsync();
        try
        {
            // Head: method, target without the mount prefix, headers as received; then the body.
            var path = request.Path.Value ?? "/";
            if (path.StartsWith("/openai", StringComparison.Ordinal))
            {
                path = path.Length == 7 ? "/" : path[7..];
            }

            var head = new StringBuilder(512);
            head.Append(request.Method).Append(' ').Append(path).Append(request.QueryString.Value).Append(" HTTP/1.1\r\n");
            foreach (var (name, values) in request.Headers)
            {
                foreach (var value in values)
                {
                    head.Append(name).Append(": ").Append(value).Append("\r\n");
                }
            }

            head.Append("\r\n");
            var written = Encoding.ASCII.GetBytes(head.ToString(), upstream.Out);
            while (true)
            {
                var read = await request.BodyReader.ReadAsync();
                foreach (var segment in read.Buffer)
                {
                    segment.Span.CopyTo(upstream.Out.AsSpan(written));
                    written += segment.Length;
                }

                request.BodyReader.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }

            await upstream.Socket.SendAsync(upstream.Out.AsMemory(0, written), SocketFlags.None);

            // Response head.
            var buffer = upstream.In;
            int got = 0, headEnd;
            while ((headEnd = Http1.HeadEnd(buffer.AsSpan(0, got))) < 0)
            {
                var n = await upstream.Socket.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None);
                if (n == 0)
                {
                    throw new IOException("upstream closed");
                }

                got += n;
            }

            var (length, chunked, close) = Copy(buffer.AsSpan(0, headEnd), context.Response);
            var tracker = default(ChunkTracker);
            var left = length - (got - headEnd);
            var done = chunked ? tracker.Feed(buffer.AsSpan(headEnd, got - headEnd)) : left <= 0;
            var body = context.Response.BodyWriter;
            body.Write(buffer.AsSpan(headEnd, got - headEnd));
            await body.FlushAsync();
            while (!done)
            {
                var n = await upstream.Socket.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0)
                {
                    throw new IOException("upstream closed mid-body");
                }

                done = chunked ? tracker.Feed(buffer.AsSpan(0, n)) : (left -= n) <= 0;
                body.Write(buffer.AsSpan(0, n));
                await body.FlushAsync();
            }

            if (close)
            {
                upstream.Socket.Dispose();
            }
            else
            {
                _idle.Push(upstream);
            }
        }
        catch
        {
            upstream.Socket.Dispose();
            throw;
        }
    }

    /// <summary>Status and headers onto Kestrel's response. With Transfer-Encoding: chunked set by the app, Kestrel
    /// writes the already-chunked bytes as they are.</summary>
    private static (long Length, bool Chunked, bool Close) Copy(ReadOnlySpan<byte> head, HttpResponse response)
    {
        var framing = Http1.Framing(head);
        response.StatusCode = int.Parse(head.Slice(9, 3), provider: null);
        var rest = Http1.Headers(head);
        while (Http1.TryNextHeader(ref rest, out var nameBytes, out var value))
        {
            var name = Encoding.ASCII.GetString(nameBytes);
            if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            response.Headers.Append(name, Encoding.ASCII.GetString(value));
        }

        return (framing.ContentLength, framing.Chunked, framing.Close);
    }

    private async ValueTask<Upstream> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(upstreamEndPoint);
        return new Upstream(socket, new byte[BufferSize], new byte[2 * BufferSize]);
    }

    private sealed record Upstream(Socket Socket, byte[] In, byte[] Out);
}
