using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TokenOps.LoadTest.Upstream;

/// <summary>
/// A deliberately cheap OpenAI-shaped upstream on raw sockets: HTTP/1.1 keep-alive, request bodies by
/// Content-Length or chunked, any path. POST with <c>"stream":true</c> in the body → the SSE stream of
/// <see cref="Payloads"/>, paced <see cref="_sseInterval"/> apart so the client can see whether a proxy
/// delivers events one by one; anything else → the fixed ~1 KB JSON. It runs in its own process
/// (<c>TokenOps.LoadTest upstream</c>) so its CPU never mixes with the load generator's.
/// </summary>
internal sealed class FakeUpstream : IDisposable
{
    private readonly Socket _listener;
    private readonly TimeSpan _sseInterval;

    public FakeUpstream(int port, TimeSpan sseInterval)
    {
        _sseInterval = sseInterval;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        _listener.Listen(1024);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    /// <summary>Entry point of the <c>upstream</c> sub-mode: prints "LISTENING port" and serves until stdin closes.</summary>
    public static int RunChildProcess(int port, int sseIntervalMicros)
    {
        using var upstream = new FakeUpstream(port, TimeSpan.FromMicroseconds(sseIntervalMicros));
        _ = upstream.AcceptLoopAsync();
        Console.Out.WriteLine("LISTENING " + upstream.Port);
        Console.Out.Flush();
        // The parent holds our stdin; when it exits (or closes it) we exit too, never orphaned.
        _ = Console.In.ReadToEnd();
        return 0;
    }

    public async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }

            client.NoDelay = true;
            _ = ServeAsync(client);
        }
    }

    public void Dispose() => _listener.Dispose();

    private async Task ServeAsync(Socket socket)
    {
        var buffer = new byte[16 * 1024];
        var body = new byte[16 * 1024];
        int start = 0, end = 0;
        try
        {
            while (true)
            {
                // 1. Request line + headers.
                int headerEnd;
                while ((headerEnd = buffer.AsSpan(start, end - start).IndexOf("\r\n\r\n"u8)) < 0)
                {
                    (buffer, start, end) = Compact(buffer, start, end);
                    var n = await socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None).ConfigureAwait(false);
                    if (n == 0)
                    {
                        return;
                    }

                    end += n;
                }

                var head = ParseHead(buffer.AsSpan(start, headerEnd));
                start += headerEnd + 4;
                if (head.ExpectContinue)
                {
                    await socket.SendAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), SocketFlags.None).ConfigureAwait(false);
                }

                // 2. Body (Content-Length or chunked) into `body`.
                var bodyLength = 0;
                if (head.Chunked)
                {
                    while (true)
                    {
                        int lineEnd;
                        while ((lineEnd = buffer.AsSpan(start, end - start).IndexOf("\r\n"u8)) < 0)
                        {
                            (buffer, start, end) = Compact(buffer, start, end);
                            var n = await socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None).ConfigureAwait(false);
                            if (n == 0)
                            {
                                return;
                            }

                            end += n;
                        }

                        var size = ParseChunkSize(buffer.AsSpan(start, lineEnd));
                        start += lineEnd + 2;
                        if (size == 0)
                        {
                            // Trailers end with an empty line; we accept only the common empty trailer section
                            // plus any header lines before it.
                            while (true)
                            {
                                while ((lineEnd = buffer.AsSpan(start, end - start).IndexOf("\r\n"u8)) < 0)
                                {
                                    (buffer, start, end) = Compact(buffer, start, end);
                                    var n = await socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None).ConfigureAwait(false);
                                    if (n == 0)
                                    {
                                        return;
                                    }

                                    end += n;
                                }

                                start += lineEnd + 2;
                                if (lineEnd == 0)
                                {
                                    break;
                                }
                            }

                            break;
                        }

                        // chunk data + CRLF
                        while (end - start < size + 2)
                        {
                            (buffer, start, end) = Compact(buffer, start, end, size + 2);
                            var n = await socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None).ConfigureAwait(false);
                            if (n == 0)
                            {
                                return;
                            }

                            end += n;
                        }

                        body = Append(body, bodyLength, buffer.AsSpan(start, size));
                        bodyLength += size;
                        start += size + 2;
                    }
                }
                else if (head.ContentLength > 0)
                {
                    var length = checked((int)head.ContentLength);
                    while (end - start < length)
                    {
                        (buffer, start, end) = Compact(buffer, start, end, length);
                        var n = await socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None).ConfigureAwait(false);
                        if (n == 0)
                        {
                            return;
                        }

                        end += n;
                    }

                    body = Append(body, 0, buffer.AsSpan(start, length));
                    bodyLength = length;
                    start += length;
                }

                if (start == end)
                {
                    start = end = 0;
                }

                // 3. Response.
                if (head.IsPost && IsStreamRequest(body.AsSpan(0, bodyLength)))
                {
                    await SendSseAsync(socket).ConfigureAwait(false);
                }
                else
                {
                    await socket.SendAsync(Payloads.JsonResponse, SocketFlags.None).ConfigureAwait(false);
                }

                if (head.ConnectionClose)
                {
                    socket.Shutdown(SocketShutdown.Both);
                    return;
                }
            }
        }
        catch (SocketException)
        {
            // Client went away: normal at the end of every run.
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }

    private async Task SendSseAsync(Socket socket)
    {
        var frames = Payloads.SseFrames;
        for (var i = 0; i < frames.Length; i++)
        {
            if (i > 0 && _sseInterval > TimeSpan.Zero)
            {
                await Task.Delay(_sseInterval).ConfigureAwait(false);
            }

            await socket.SendAsync(frames[i], SocketFlags.None).ConfigureAwait(false);
        }
    }

    /// <summary>Moves unread bytes to the front and grows the buffer when it cannot hold <paramref name="need"/> more.</summary>
    private static (byte[] Buffer, int Start, int End) Compact(byte[] buffer, int start, int end, int need = 0)
    {
        // `need` = total unread bytes the caller wants to hold; we always leave room to read at least one more.
        var unread = end - start;
        if (start > 0)
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, unread);
        }

        var required = Math.Max(need, unread + 1);
        if (buffer.Length < required)
        {
            var bigger = new byte[Math.Max(buffer.Length * 2, required + 1024)];
            Buffer.BlockCopy(buffer, 0, bigger, 0, unread);
            buffer = bigger;
        }

        return (buffer, 0, unread);
    }

    private static byte[] Append(byte[] target, int length, ReadOnlySpan<byte> data)
    {
        if (target.Length < length + data.Length)
        {
            var bigger = new byte[Math.Max(target.Length * 2, length + data.Length)];
            Buffer.BlockCopy(target, 0, bigger, 0, length);
            target = bigger;
        }

        data.CopyTo(target.AsSpan(length));
        return target;
    }

    private static int ParseChunkSize(ReadOnlySpan<byte> line)
    {
        var semicolon = line.IndexOf((byte)';');
        if (semicolon >= 0)
        {
            line = line[..semicolon];
        }

        line = line.Trim((byte)' ');
        if (!Utf8Parser.TryParse(line, out int size, out var consumed, 'x') || consumed != line.Length || size < 0)
        {
            throw new InvalidDataException("bad chunk size: " + Encoding.ASCII.GetString(line));
        }

        return size;
    }

    /// <summary>True when the JSON body has <c>"stream"</c> followed by <c>: true</c> (whitespace allowed).</summary>
    internal static bool IsStreamRequest(ReadOnlySpan<byte> body)
    {
        var at = body.IndexOf("\"stream\""u8);
        while (at >= 0)
        {
            var rest = body[(at + 8)..].TrimStart(" \t\r\n"u8);
            if (rest.Length > 0 && rest[0] == (byte)':')
            {
                return rest[1..].TrimStart(" \t\r\n"u8).StartsWith("true"u8);
            }

            body = body[(at + 8)..];
            at = body.IndexOf("\"stream\""u8);
        }

        return false;
    }

    private static RequestHead ParseHead(ReadOnlySpan<byte> head)
    {
        var result = new RequestHead { IsPost = head.StartsWith("POST "u8) };
        var lineEnd = head.IndexOf("\r\n"u8);
        ReadOnlySpan<byte> rest = lineEnd < 0 ? [] : head[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            lineEnd = rest.IndexOf("\r\n"u8);
            ReadOnlySpan<byte> line = lineEnd < 0 ? rest : rest[..lineEnd];
            rest = lineEnd < 0 ? [] : rest[(lineEnd + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                _ = Utf8Parser.TryParse(value, out long length, out _);
                result.ContentLength = length;
            }
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
            {
                result.Chunked = ContainsIgnoreCase(value, "chunked"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
            {
                result.ConnectionClose = ContainsIgnoreCase(value, "close"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "expect"u8))
            {
                result.ExpectContinue = ContainsIgnoreCase(value, "100-continue"u8);
            }
        }

        return result;
    }

    private static bool ContainsIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        for (var i = 0; i + token.Length <= value.Length; i++)
        {
            if (Ascii.EqualsIgnoreCase(value.Slice(i, token.Length), token))
            {
                return true;
            }
        }

        return false;
    }

    private struct RequestHead
    {
        public bool IsPost;
        public long ContentLength;
        public bool Chunked;
        public bool ConnectionClose;
        public bool ExpectContinue;
    }
}
