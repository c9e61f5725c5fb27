using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TokenOps.LoadTest.Load;

/// <summary>What one response looked like on the wire.</summary>
internal readonly record struct ResponseOutcome(int Status, long BodyBytes, bool ConnectionClose);

/// <summary>
/// One HTTP/1.1 keep-alive connection over a blocking socket: send a prebuilt request, then parse one
/// response (Content-Length or chunked; 1xx skipped) without allocating. Blocking I/O on a dedicated
/// thread is the cheapest and most precise way to timestamp a completion: the thread wakes straight
/// from recv(2), with no event-loop or thread-pool hop in between.
/// </summary>
internal sealed class ClientConnection : IDisposable
{
    private readonly Socket _socket;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private ClientConnection(Socket socket) => _socket = socket;

    /// <summary>Timestamp (Stopwatch ticks) of the most recent successful read.</summary>
    public long LastReadTicks { get; private set; }

    /// <param name="endPoint">Where to connect.</param>
    /// <param name="receiveTimeoutMs">0 = wait forever (open-loop connections idle for long stretches; a hung
    /// request is detected by the run's drain deadline instead).</param>
    public static ClientConnection Connect(IPEndPoint endPoint, int receiveTimeoutMs = 30_000)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            ReceiveTimeout = receiveTimeoutMs,
            SendTimeout = 30_000,
        };
        try
        {
            socket.Connect(endPoint);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new ClientConnection(socket);
    }

    public void Send(ReadOnlySpan<byte> request)
    {
        while (!request.IsEmpty)
        {
            var n = _socket.Send(request);
            request = request[n..];
        }
    }

    /// <summary>Closing the socket unblocks a thread sitting in <see cref="ReadResponse"/> (it gets an exception).</summary>
    public void Dispose() => _socket.Dispose();

    /// <summary>Reads exactly one response. Throws <see cref="IOException"/> on a malformed or truncated response.</summary>
    public ResponseOutcome ReadResponse(SseProbe? probe)
    {
        while (true)
        {
            int headerEnd;
            while ((headerEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
            {
                Fill(0);
            }

            var head = ParseHead(_buffer.AsSpan(_start, headerEnd));
            _start += headerEnd + 4;
            if (head.Status is >= 100 and < 200)
            {
                continue; // 100 Continue and friends: the real response follows.
            }

            probe?.Reset();
            long bodyBytes = 0;
            if (head.Chunked)
            {
                while (true)
                {
                    int lineEnd;
                    while ((lineEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
                    {
                        Fill(0);
                    }

                    var size = ParseChunkSize(_buffer.AsSpan(_start, lineEnd));
                    _start += lineEnd + 2;
                    if (size == 0)
                    {
                        // Optional trailers, then the empty line.
                        while (true)
                        {
                            while ((lineEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
                            {
                                Fill(0);
                            }

                            _start += lineEnd + 2;
                            if (lineEnd == 0)
                            {
                                break;
                            }
                        }

                        break;
                    }

                    ReadBody(size, probe);
                    bodyBytes += size;
                    while (_end - _start < 2)
                    {
                        Fill(2);
                    }

                    _start += 2; // CRLF after chunk data
                }
            }
            else if (head.ContentLength > 0)
            {
                ReadBody(head.ContentLength, probe);
                bodyBytes = head.ContentLength;
            }
            else if (head.ContentLength < 0 && head.Status != 204 && head.Status != 304)
            {
                // No framing: the body runs to connection close (RFC 9112 §6.3 rule 8).
                bodyBytes = ReadToClose(probe);
                return new ResponseOutcome(head.Status, bodyBytes, ConnectionClose: true);
            }

            if (_start == _end)
            {
                _start = _end = 0;
            }

            return new ResponseOutcome(head.Status, bodyBytes, head.ConnectionClose);
        }
    }

    private void ReadBody(long length, SseProbe? probe)
    {
        while (length > 0)
        {
            if (_start == _end)
            {
                Fill(0);
            }

            var take = (int)Math.Min(length, _end - _start);
            probe?.OnData(_buffer.AsSpan(_start, take), LastReadTicks);
            _start += take;
            length -= take;
        }
    }

    private long ReadToClose(SseProbe? probe)
    {
        long total = 0;
        while (true)
        {
            if (_start < _end)
            {
                probe?.OnData(_buffer.AsSpan(_start, _end - _start), LastReadTicks);
                total += _end - _start;
            }

            _start = _end = 0;
            var n = _socket.Receive(_buffer);
            if (n <= 0)
            {
                return total;
            }

            LastReadTicks = Stopwatch.GetTimestamp();
            _end = n;
        }
    }

    /// <summary>Reads more bytes, keeping unread ones; makes room for at least <paramref name="need"/> unread bytes.</summary>
    private void Fill(int need)
    {
        var unread = _end - _start;
        if (_start > 0 && (_end == _buffer.Length || unread < need))
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, unread);
            _start = 0;
            _end = unread;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var n = _socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
        if (n <= 0)
        {
            throw new IOException("connection closed by the server mid-response");
        }

        LastReadTicks = Stopwatch.GetTimestamp();
        _end += n;
    }

    private static long ParseChunkSize(ReadOnlySpan<byte> line)
    {
        var semicolon = line.IndexOf((byte)';');
        if (semicolon >= 0)
        {
            line = line[..semicolon];
        }

        line = line.Trim((byte)' ');
        if (!Utf8Parser.TryParse(line, out long size, out var consumed, 'x') || consumed != line.Length || size < 0)
        {
            throw new IOException("bad chunk size line: " + Encoding.ASCII.GetString(line));
        }

        return size;
    }

    private static ResponseHead ParseHead(ReadOnlySpan<byte> head)
    {
        // "HTTP/1.1 200 OK"
        if (head.Length < 12 || !head.StartsWith("HTTP/1."u8) || !Utf8Parser.TryParse(head.Slice(9, 3), out int status, out _))
        {
            throw new IOException("bad status line");
        }

        var result = new ResponseHead { Status = status, ContentLength = -1 };
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
                result.Chunked = value.IndexOf("chunked"u8) >= 0;
            }
            else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
            {
                result.ConnectionClose = value.IndexOf("close"u8) >= 0;
            }
        }

        if (result.Chunked)
        {
            result.ContentLength = 0;
        }

        return result;
    }

    private struct ResponseHead
    {
        public int Status;
        public long ContentLength;
        public bool Chunked;
        public bool ConnectionClose;
    }
}
