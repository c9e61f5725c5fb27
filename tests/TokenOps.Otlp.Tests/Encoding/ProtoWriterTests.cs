using TokenOps.Otlp.Encoding;
using TokenOps.Otlp.Tests.Support;

namespace TokenOps.Otlp.Tests.Encoding;

public sealed class ProtoWriterTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(16_383)]
    [InlineData(16_384)]
    [InlineData(300_000)]
    public void EndMessage_BodyOfAnyLength_WritesMinimalLengthPrefixThatDecodes(int textLength)
    {
        var text = new string('x', textLength);
        var w = new ProtoWriter(16);
        w.BeginMessage(1);
        w.BeginMessage(2);
        w.StringAlways(3, text);
        w.EndMessage();
        w.Fixed64Always(4, 0x0102030405060708UL);
        w.EndMessage();
        w.Int64Always(5, -1);

        var bytes = w.ToArray();
        var outer = ProtoMessage.Parse(bytes);
        var first = outer.Message(1)!;
        Assert.Equal(text, first.Message(2)!.String(3));
        Assert.Equal(0x0102030405060708UL, first.Fixed64(4));
        Assert.Equal(ulong.MaxValue, outer.Varint(5)); // int64 -1 is a 10-byte two's-complement varint

        // Every length prefix is the MINIMAL varint (no padding), so the total size is exactly:
        var innerBody = 1 + ProtoWriter.VarintSize((uint)textLength) + textLength;
        var firstBody = 1 + ProtoWriter.VarintSize((uint)innerBody) + innerBody + 9;
        Assert.Equal(1 + ProtoWriter.VarintSize((uint)firstBody) + firstBody + 11, bytes.Length);
    }

    [Fact]
    public void PackedFixed64AndDouble_RoundTrip()
    {
        var w = new ProtoWriter();
        w.PackedFixed64(6, [1UL, 0UL, ulong.MaxValue]);
        w.PackedDouble(7, [0.5, 81.92]);
        var m = ProtoMessage.Parse(w.ToArray());
        Assert.Equal(new[] { 1UL, 0UL, ulong.MaxValue }, m.PackedFixed64(6));
        Assert.Equal(new[] { 0.5, 81.92 }, m.PackedDouble(7));
    }

    [Fact]
    public void String_EmptyValue_IsOmittedButStringAlwaysIsWritten()
    {
        var w = new ProtoWriter();
        w.String(1, "");
        Assert.Equal(0, w.Length);
        w.StringAlways(1, "");
        Assert.Equal(new byte[] { 0x0A, 0x00 }, w.ToArray());
    }
}
