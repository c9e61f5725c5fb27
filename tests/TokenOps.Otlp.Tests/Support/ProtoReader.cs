using System.Buffers.Binary;

namespace TokenOps.Otlp.Tests.Support;

/// <summary>
/// Independent reference protobuf reader for the tests (shares no code with the exporter's writer): parses a
/// message into its fields, by wire type, per https://protobuf.dev/programming-guides/encoding/.
/// </summary>
internal sealed class ProtoMessage
{
    private readonly List<(int Field, int WireType, ulong Scalar, byte[] Bytes)> _fields = [];

    public static ProtoMessage Parse(ReadOnlySpan<byte> data)
    {
        var message = new ProtoMessage();
        var pos = 0;
        while (pos < data.Length)
        {
            var key = ReadVarint(data, ref pos);
            var field = (int)(key >> 3);
            var wire = (int)(key & 7);
            Assert.True(field > 0, "field number 0 is invalid");
            switch (wire)
            {
                case 0:
                    message._fields.Add((field, wire, ReadVarint(data, ref pos), []));
                    break;
                case 1:
                    message._fields.Add((field, wire, BinaryPrimitives.ReadUInt64LittleEndian(data[pos..]), []));
                    pos += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(data, ref pos);
                    Assert.True(pos + length <= data.Length, "length-delimited field overruns the message");
                    message._fields.Add((field, wire, 0, data.Slice(pos, length).ToArray()));
                    pos += length;
                    break;
                case 5:
                    message._fields.Add((field, wire, BinaryPrimitives.ReadUInt32LittleEndian(data[pos..]), []));
                    pos += 4;
                    break;
                default:
                    Assert.Fail($"unexpected wire type {wire} for field {field}");
                    break;
            }
        }

        return message;
    }

    public bool Has(int field) => _fields.Exists(f => f.Field == field);

    public IEnumerable<ProtoMessage> Messages(int field)
    {
        foreach (var f in _fields)
        {
            if (f.Field == field)
            {
                Assert.Equal(2, f.WireType);
                yield return Parse(f.Bytes);
            }
        }
    }

    public ProtoMessage? Message(int field) => Messages(field).FirstOrDefault();

    public string String(int field) => System.Text.Encoding.UTF8.GetString(Bytes(field));

    public byte[] Bytes(int field)
    {
        foreach (var f in _fields)
        {
            if (f.Field == field)
            {
                Assert.Equal(2, f.WireType);
                return f.Bytes;
            }
        }

        return [];
    }

    public ulong Varint(int field) => Scalar(field, 0);

    public ulong Fixed64(int field) => Scalar(field, 1);

    public uint Fixed32(int field) => (uint)Scalar(field, 5);

    public double Double(int field) => BitConverter.UInt64BitsToDouble(Scalar(field, 1));

    public ulong[] PackedFixed64(int field)
    {
        var bytes = Bytes(field);
        var values = new ulong[bytes.Length / 8];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i * 8));
        }

        return values;
    }

    public double[] PackedDouble(int field) => Array.ConvertAll(PackedFixed64(field), BitConverter.UInt64BitsToDouble);

    private ulong Scalar(int field, int wire)
    {
        foreach (var f in _fields)
        {
            if (f.Field == field)
            {
                Assert.Equal(wire, f.WireType);
                return f.Scalar;
            }
        }

        return 0;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int pos)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = data[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new FormatException("varint too long");
    }
}
