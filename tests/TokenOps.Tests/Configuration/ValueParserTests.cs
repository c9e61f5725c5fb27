using TokenOps.Configuration;

namespace TokenOps.Tests.Configuration;

public sealed class ValueParserTests
{
    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("10s", 10_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("2d", 172_800_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData(" 30s ", 30_000)]
    [InlineData("0s", 0)]
    public void DurationParser_Valid_Parsed(string text, long expectedMs)
    {
        Assert.True(DurationParser.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("5 minutes")]
    [InlineData("m5")]
    [InlineData("10sec")]
    [InlineData("-5s")]
    [InlineData("1h 30m")]
    [InlineData("99999999999d")]
    public void DurationParser_Invalid_Rejected(string text)
    {
        Assert.False(DurationParser.TryParse(text, out _));
    }

    [Theory]
    [InlineData(250, "250ms")]
    [InlineData(10_000, "10s")]
    [InlineData(5_400_000, "1h30m")]
    [InlineData(90_061_001, "1d1h1m1s1ms")]
    [InlineData(0, "0s")]
    public void DurationParser_Format_RoundTrips(long ms, string expected)
    {
        var text = DurationParser.Format(TimeSpan.FromMilliseconds(ms));

        Assert.Equal(expected, text);
        Assert.True(DurationParser.TryParse(text, out var back));
        Assert.Equal(TimeSpan.FromMilliseconds(ms), back);
    }

    [Theory]
    [InlineData("1024", 1024)]
    [InlineData("512KB", 512L * 1024)]
    [InlineData("256MB", 256L << 20)]
    [InlineData("256 MiB", 256L << 20)]
    [InlineData("1gb", 1L << 30)]
    [InlineData("7B", 7)]
    public void SizeParser_Valid_Parsed(string text, long expected)
    {
        Assert.True(SizeParser.TryParse(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("MB")]
    [InlineData("1TB")]
    [InlineData("-1MB")]
    [InlineData("99999999999999GB")]
    public void SizeParser_Invalid_Rejected(string text)
    {
        Assert.False(SizeParser.TryParse(text, out _));
    }

    [Theory]
    [InlineData("127.0.0.1:7878", true, 7878, "127.0.0.1")]
    [InlineData("127.5.6.7:1", true, 1, "127.5.6.7")]
    [InlineData("localhost:0", true, 0, "127.0.0.1")]
    [InlineData("[::1]:7878", true, 7878, "[::1]")]
    [InlineData("0.0.0.0:7878", false, 7878, "127.0.0.1")]
    [InlineData("*:7878", false, 7878, "127.0.0.1")]
    [InlineData("[::]:7878", false, 7878, "[::1]")]
    [InlineData("10.0.0.5:80", false, 80, "10.0.0.5")]
    public void ListenAddress_Parse_LoopbackAndClientHost(string text, bool loopback, int port, string clientHost)
    {
        Assert.True(ListenAddress.TryParse(text, out var address, out var error), error);
        Assert.Equal(loopback, address.IsLoopback);
        Assert.Equal(port, address.Port);
        Assert.Equal(clientHost, address.ClientHost);
        Assert.Equal(text, address.ToString());
    }

    [Theory]
    [InlineData("7878")]
    [InlineData(":7878")]
    [InlineData("127.0.0.1:")]
    [InlineData("127.0.0.1:-1")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("myhost:7878")]
    [InlineData("[127.0.0.1]:7878")]
    [InlineData("::1:7878")]
    public void ListenAddress_Invalid_Rejected(string text)
    {
        Assert.False(ListenAddress.TryParse(text, out _, out var error));
        Assert.Contains(text, error);
    }
}
