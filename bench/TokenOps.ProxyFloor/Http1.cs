using System.Text;

namespace TokenOps.ProxyFloor;

/// <summary>The little HTTP/1.1 framing a keep-alive forwarder needs: where a head ends, the request target,
/// Content-Length / chunked / close, and a chunked-body tracker that finds the end of a relayed body.</summary>
internal static class Http1
{
    /// <summary>Index just past the blank line that ends the head, or -1.</summary>
    public static int HeadEnd(ReadOnlySpan<byte> buffer)
    {
        var at = buffer.IndexOf("\r\n\r\n"u8);
        return at < 0 ? -1 : at + 4;
    }

    /// <summary>Content-Length (-1 when absent), chunked and Connection: close of one head.</summary>
    public static (long ContentLength, bool Chunked, bool Close) Framing(ReadOnlySpan<byte> head)
    {
        long length = -1;
        bool chunked = false, close = false;
        var rest = Headers(head);
        while (TryNextHeader(ref rest, out var name, out var value))
        {
            if (name.Length == 14 && Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                length = 0;
                foreach (var digit in value)
                {
                    length = (length * 10) + (digit - '0');
                }
            }
            else if (name.Length == 17 && Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                chunked = value.IndexOf("chunked"u8) >= 0;
            }
            else if (name.Length == 10 && Ascii.EqualsIgnoreCase(name, "Connection"u8))
            {
                close = value.IndexOf("close"u8) >= 0;
            }
        }

        return (length, chunked, close);
    }

    /// <summary>The header lines of a head (its first line skipped), for <see cref="TryNextHeader"/>.</summary>
    public static ReadOnlySpan<byte> Headers(ReadOnlySpan<byte> head) => head[(head.IndexOf("\r\n"u8) + 2)..];

    /// <summary>The next header's name and trimmed value; false at the blank line. Lines without a colon are skipped.</summary>
    public static bool TryNextHeader(ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        while (rest.Length > 2)
        {
            var end = rest.IndexOf("\r\n"u8);
            var line = rest[..end];
            rest = rest[(end + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon > 0)
            {
                name = line[..colon];
                value = line[(colon + 1)..].Trim((byte)' ');
                return true;
            }
        }

        name = value = default;
        return false;
    }

    /// <summary>Copies the request head with the target's mount prefix (<c>/openai</c>) removed. Returns the bytes written.</summary>
    public static int RewriteRequestHead(ReadOnlySpan<byte> head, ReadOnlySpan<byte> prefix, Span<byte> destination)
    {
        var firstSpace = head.IndexOf((byte)' ');
        var target = head[(firstSpace + 1)..];
        var written = 0;
        head[..(firstSpace + 1)].CopyTo(destination);
        written += firstSpace + 1;
        if (target.StartsWith(prefix))
        {
            target = target[prefix.Length..];
            if (target.Length > 0 && target[0] == (byte)' ')
            {
                destination[written++] = (byte)'/';
            }
        }

        target.CopyTo(destination[written..]);
        return written + target.Length;
    }
}

/// <summary>Follows a chunked body as its bytes go by and says when the last chunk and trailers have passed.</summary>
internal struct ChunkTracker
{
    private const int Size = 0, SizeRest = 1, Data = 2, DataEnd = 3, TrailerStart = 4, TrailerLine = 5, TrailerLf = 6, Done = 7;
    private int _state;
    private long _size;

    public readonly bool IsDone => _state == Done;

    /// <summary>Feeds the next relayed bytes; true once the body is complete.</summary>
    public bool Feed(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length && _state != Done)
        {
            switch (_state)
            {
                case Size:
                    var b = bytes[i++];
                    var digit = HexValue(b);
                    if (digit >= 0)
                    {
                        _size = (_size * 16) + digit;
                    }
                    else
                    {
                        _state = b == (byte)'\n' ? AfterSizeLine() : SizeRest;
                    }

                    break;
                case SizeRest:
                    if (bytes[i++] == (byte)'\n')
                    {
                        _state = AfterSizeLine();
                    }

                    break;
                case Data:
                    var take = (int)Math.Min(_size, bytes.Length - i);
                    i += take;
                    _size -= take;
                    if (_size == 0)
                    {
                        _state = DataEnd;
                    }

                    break;
                case DataEnd:
                    if (bytes[i++] == (byte)'\n')
                    {
                        _state = Size;
                    }

                    break;
                case TrailerStart:
                    var t = bytes[i++];
                    _state = t == (byte)'\r' ? TrailerLf : t == (byte)'\n' ? Done : TrailerLine;
                    break;
                case TrailerLine:
                    if (bytes[i++] == (byte)'\n')
                    {
                        _state = TrailerStart;
                    }

                    break;
                case TrailerLf:
                    i++;
                    _state = Done;
                    break;
            }
        }

        return _state == Done;
    }

    private int AfterSizeLine()
    {
        if (_size == 0)
        {
            return TrailerStart;
        }

        return Data;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
