using System.Buffers;
using System.Runtime.InteropServices;

namespace TokenOps.Proxy.Cache;

/// <summary>
/// Records a response as it streams to the client, so it can be cached once it completed successfully.
/// For <c>text/event-stream</c> it remembers where each SSE event ends (a blank line) so the replay flushes
/// at the same event boundaries; for other bodies one segment. Bounded: past
/// <see cref="CacheOptions.MaxEntryBytes"/> it gives up and the response is simply not cached.
/// </summary>
public sealed class CacheRecorder : IDisposable
{
    private readonly long _maxBytes;
    private readonly bool _eventStream;
    private readonly List<int> _segmentEnds = new();
    private byte[] _buffer;
    private int _length;
    // Tail state of the event-boundary scan across chunk edges: the last two bytes seen.
    private byte _prev1;
    private byte _prev2;
    private bool _overflow;

    public CacheRecorder(long maxBytes, bool eventStream, int initialCapacity = 4096)
    {
        _maxBytes = maxBytes;
        _eventStream = eventStream;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(256, initialCapacity));
    }

    public bool Overflowed => _overflow;

    public long Length => _length;

    public void Append(ReadOnlySpan<byte> chunk)
    {
        if (_overflow || chunk.IsEmpty)
        {
            return;
        }

        if ((long)_length + chunk.Length > _maxBytes)
        {
            _overflow = true;
            ReturnBuffer();
            return;
        }

        EnsureCapacity(_length + chunk.Length);
        chunk.CopyTo(_buffer.AsSpan(_length));
        if (_eventStream)
        {
            ScanEventBoundaries(_length, chunk);
        }

        _length += chunk.Length;
    }

    /// <summary>
    /// Stores the recording in <paramref name="cache"/> straight from the recording buffer (no entry object, no array of
    /// its own); false when it overflowed or the cache did not take it.
    /// </summary>
    public bool StoreInto(ResponseCache cache, CacheKey key, int statusCode, KeyValuePair<string, string>[] headers, DateTimeOffset now, TimeSpan ttl)
    {
        ArgumentNullException.ThrowIfNull(cache);
        if (_overflow)
        {
            return false;
        }

        if (_segmentEnds.Count == 0 || _segmentEnds[^1] != _length)
        {
            _segmentEnds.Add(_length);
        }

        return cache.Store(key, statusCode, headers, _buffer.AsSpan(0, _length), CollectionsMarshal.AsSpan(_segmentEnds), now, now + ttl);
    }

    public void Dispose() => ReturnBuffer();

    // An SSE event ends at a blank line: "\n\n", "\r\n\r\n" or "\r\r" (WHATWG HTML §9.2.6). We look for
    // LF LF (covers "\n\n" and "\r\n\r\n" at the second LF) and CR CR not followed by LF.
    private void ScanEventBoundaries(int offset, ReadOnlySpan<byte> chunk)
    {
        for (var i = 0; i < chunk.Length; i++)
        {
            var b = chunk[i];
            if (b == (byte)'\n' && (_prev1 == (byte)'\n' || (_prev1 == (byte)'\r' && _prev2 == (byte)'\n')))
            {
                _segmentEnds.Add(offset + i + 1);
            }

            _prev2 = _prev1;
            _prev1 = b;
        }
    }

    private void EnsureCapacity(int needed)
    {
        if (needed <= _buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    private void ReturnBuffer()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }
}
