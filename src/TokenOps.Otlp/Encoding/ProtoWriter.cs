using System.Buffers.Binary;

namespace TokenOps.Otlp.Encoding;

/// <summary>
/// Minimal protobuf (proto3) writer: varint, fixed32/64, double, length-delimited
/// (https://protobuf.dev/programming-guides/encoding/). Nested messages reserve one length byte and shift the
/// body right when the final varint length needs more — so lengths are always minimal, with one buffer.
/// Not thread-safe; one per export request.
/// </summary>
internal sealed class ProtoWriter
{
    private const int WireVarint = 0;
    private const int WireFixed64 = 1;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    private readonly Stack<int> _starts = new();
    private byte[] _buffer;
    private int _length;

    public ProtoWriter(int capacity = 4096) => _buffer = new byte[capacity];

    public int Length => _length;

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    public void WriteTag(int field, int wireType) => WriteVarint((uint)((field << 3) | wireType));

    public void WriteVarint(ulong value)
    {
        Ensure(10);
        while (value >= 0x80)
        {
            _buffer[_length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[_length++] = (byte)value;
    }

    /// <summary>Proto3 scalar: the default (empty) value is omitted.</summary>
    public void String(int field, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            StringAlways(field, value);
        }
    }

    /// <summary>Written even when empty: oneof members (AnyValue.string_value) must be present to be set.</summary>
    public void StringAlways(int field, string value)
    {
        WriteTag(field, WireLengthDelimited);
        var byteCount = System.Text.Encoding.UTF8.GetByteCount(value);
        WriteVarint((uint)byteCount);
        Ensure(byteCount);
        _length += System.Text.Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
    }

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, WireLengthDelimited);
        WriteVarint((uint)value.Length);
        Ensure(value.Length);
        value.CopyTo(_buffer.AsSpan(_length));
        _length += value.Length;
    }

    public void UInt64(int field, ulong value)
    {
        if (value != 0)
        {
            WriteTag(field, WireVarint);
            WriteVarint(value);
        }
    }

    /// <summary>int64 as a varint (two's complement for negatives, 10 bytes).</summary>
    public void Int64Always(int field, long value)
    {
        WriteTag(field, WireVarint);
        WriteVarint(unchecked((ulong)value));
    }

    public void BoolAlways(int field, bool value)
    {
        WriteTag(field, WireVarint);
        WriteVarint(value ? 1UL : 0UL);
    }

    public void Fixed64(int field, ulong value)
    {
        if (value != 0)
        {
            Fixed64Always(field, value);
        }
    }

    public void Fixed64Always(int field, ulong value)
    {
        WriteTag(field, WireFixed64);
        Ensure(8);
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    public void Fixed32(int field, uint value)
    {
        if (value != 0)
        {
            WriteTag(field, WireFixed32);
            Ensure(4);
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_length), value);
            _length += 4;
        }
    }

    public void DoubleAlways(int field, double value) => Fixed64Always(field, BitConverter.DoubleToUInt64Bits(value));

    public void PackedFixed64(int field, ReadOnlySpan<ulong> values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        WriteTag(field, WireLengthDelimited);
        WriteVarint((uint)(values.Length * 8));
        Ensure(values.Length * 8);
        foreach (var v in values)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(_length), v);
            _length += 8;
        }
    }

    public void PackedDouble(int field, ReadOnlySpan<double> values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        WriteTag(field, WireLengthDelimited);
        WriteVarint((uint)(values.Length * 8));
        Ensure(values.Length * 8);
        foreach (var v in values)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(_length), BitConverter.DoubleToUInt64Bits(v));
            _length += 8;
        }
    }

    /// <summary>Open an embedded message field; close with <see cref="EndMessage"/>.</summary>
    public void BeginMessage(int field)
    {
        WriteTag(field, WireLengthDelimited);
        Ensure(1);
        _length++; // one reserved length byte
        _starts.Push(_length);
    }

    public void EndMessage()
    {
        var start = _starts.Pop();
        var bodyLength = _length - start;
        var lengthBytes = VarintSize((uint)bodyLength);
        if (lengthBytes > 1)
        {
            // Move the body right to make room for a longer length prefix (memmove semantics: overlap is safe).
            Ensure(lengthBytes - 1);
            _buffer.AsSpan(start, bodyLength).CopyTo(_buffer.AsSpan(start + lengthBytes - 1));
            _length += lengthBytes - 1;
        }

        var position = start - 1;
        var value = (uint)bodyLength;
        while (value >= 0x80)
        {
            _buffer[position++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[position] = (byte)value;
    }

    internal static int VarintSize(uint value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    private void Ensure(int extra)
    {
        if (_length + extra > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + extra));
        }
    }
}
