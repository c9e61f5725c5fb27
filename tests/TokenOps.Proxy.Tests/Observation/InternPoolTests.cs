using System.Globalization;
using System.Text;
using System.Text.Json;
using TokenOps.Proxy.Observation;

namespace TokenOps.Proxy.Tests.Observation;

public sealed class InternPoolTests
{
    [Fact]
    public void Utf8_SameBytes_SameInstance_AndAlwaysTheRightText()
    {
        var a = InternPool.Utf8("gpt-4o-mini-2024-07-18"u8);
        Assert.Equal("gpt-4o-mini-2024-07-18", a);
        Assert.Same(a, InternPool.Utf8("gpt-4o-mini-2024-07-18"u8));
        Assert.Equal("café ☕", InternPool.Utf8(Encoding.UTF8.GetBytes("café ☕")));

        // Far more distinct values than slots: every answer still equals its input.
        for (var i = 0; i < 5000; i++)
        {
            var text = "model-" + i.ToString(CultureInfo.InvariantCulture);
            Assert.Equal(text, InternPool.Utf8(Encoding.UTF8.GetBytes(text)));
        }

        var longText = new string('m', InternPool.MaxBytes + 1);
        Assert.Equal(longText, InternPool.Utf8(Encoding.UTF8.GetBytes(longText)));
    }

    [Fact]
    public void Hex_IsLowercaseHex_Shared()
    {
        byte[] bytes = [0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0xff];
        var hex = InternPool.Hex(bytes);
        Assert.Equal("deadbeef000102ff", hex);
        Assert.Same(hex, InternPool.Hex(bytes));
    }

    [Fact]
    public void InternedString_SharesShortPlainStrings_DecodesEscapedOnes()
    {
        Assert.Same(Read("{\"m\":\"stop\"}"), Read("{\"m\":\"stop\"}"));
        Assert.Equal("a\"b", Read("{\"m\":\"a\\\"b\"}"));
        Assert.Equal("42", Read("{\"m\":42}"));
        Assert.Null(Read("{\"m\":null}"));

        static string? Read(string json)
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
            reader.Read();
            reader.Read();
            reader.Read();
            return JsonRead.InternedString(ref reader);
        }
    }
}
