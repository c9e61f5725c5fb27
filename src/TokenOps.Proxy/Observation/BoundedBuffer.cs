using System.Buffers;

namespace TokenOps.Proxy.Observation;

/// <summary>
/// An append-only byte buffer rented from <see cref="ArrayPool{T}"/> that never grows past a bound.
/// Once an append would cross the bound the buffer is marked <see cref="Overflowed"/> and ignores
/// further appends (the caller decides what an overflow means). Not thread-safe.
/// </summary>
internal sealed class BoundedBuffer(int maxBytes, int initialBytes = 4096) : IDisposable
{
    private byte[]? _buffer;
    private int _length;

    public int MaxBytes { get; } = maxBytes;
    public bool Overflowed { get; private set; }
    public int Length => _length;
    public ReadOnlySpan<byte> WrittenSpan => _buffer is null ? default : _buffer.AsSpan(0, _length);
    public ReadOnlyMemory<byte> WrittenMemory => _buffer is null ? default : _buffer.AsMemory(0, _length);

    /// <summary>Appends <paramref name="data"/>; false (and <see cref="Overflowed"/>) when it would exceed the bound.</summary>
    public bool Append(ReadOnlySpan<byte> data)
    {
        if (Overflowed)
        {
            return false;
        }

        if ((long)_length + data.Length > MaxBytes)
        {
            Overflowed = true;
            return false;
        }

        if (_buffer is null || _length + data.Length > _buffer.Length)
        {
            Grow(_length + data.Length);
        }

        data.CopyTo(_buffer.AsSpan(_length));
        _length += data.Length;
        return true;
    }

    /// <summary>Forgets the content but keeps the rented array (steady state: no allocation).</summary>
    public void Clear()
    {
        _length = 0;
        Overflowed = false;
    }

    public byte[] ToArray() => WrittenSpan.ToArray();

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = null;
        _length = 0;
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void Grow(int needed)
    {
        var size = Math.Max(initialBytes, _buffer?.Length * 2 ?? 0);
        while (size < needed)
        {
            size *= 2;
        }

        var next = ArrayPool<byte>.Shared.Rent(Math.Min(size, Math.Max(needed, MaxBytes)));
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, _length).CopyTo(next);
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = next;
    }
}
