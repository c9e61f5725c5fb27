using TokenOps.Proxy.Forwarding;

namespace TokenOps.Proxy.Tests.Forwarding;

public sealed class UpstreamPathTests
{
    [Theory]
    [InlineData("https://api.openai.com", "https://api.openai.com")]
    [InlineData("https://api.openai.com/", "https://api.openai.com")]
    [InlineData("http://127.0.0.1:5000/base", "http://127.0.0.1:5000/base")]
    [InlineData("http://127.0.0.1:5000/base/", "http://127.0.0.1:5000/base")]
    [InlineData("http://127.0.0.1:5000/base//", "http://127.0.0.1:5000/base")]
    [InlineData("https://gateway.example/v1/openai?ignored=1", "https://gateway.example/v1/openai")]
    public void NormalizeBase_TrimsTrailingSlashesAndQuery(string input, string expected) =>
        Assert.Equal(expected, UpstreamPath.NormalizeBase(new Uri(input)));

    [Fact]
    public void NormalizeBase_NonHttp_Throws() =>
        Assert.Throws<ArgumentException>(() => UpstreamPath.NormalizeBase(new Uri("ftp://example.com/")));

    [Theory]
    [InlineData("https://api.openai.com", "/v1/chat/completions", "https://api.openai.com/v1/chat/completions")]
    [InlineData("https://api.openai.com", "", "https://api.openai.com/")]
    [InlineData("https://api.openai.com", "/", "https://api.openai.com/")]
    [InlineData("https://api.openai.com", "?a=1", "https://api.openai.com/?a=1")]
    [InlineData("http://h:1/base", "", "http://h:1/base")]
    [InlineData("http://h:1/base", "/", "http://h:1/base/")]
    [InlineData("http://h:1/base", "/v1/messages", "http://h:1/base/v1/messages")]
    [InlineData("http://h:1/base", "?a=1&b=%20", "http://h:1/base?a=1&b=%20")]
    [InlineData("http://h:1/base", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=k", "http://h:1/base/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=k")]
    [InlineData("http://h:1/base", "/files/a%2Fb%20c", "http://h:1/base/files/a%2Fb%20c")]
    [InlineData("http://h:1/base", "v1/x", "http://h:1/base/v1/x")]
    public void Join_BaseAndRest_JoinsWithoutDoubleSlash(string upstreamBase, string rest, string expected) =>
        Assert.Equal(expected, UpstreamPath.Join(UpstreamPath.NormalizeBase(new Uri(upstreamBase)), rest));

    [Fact]
    public void Join_EncodedCharacters_SurviveUriParsing()
    {
        var joined = UpstreamPath.Join("http://h:1/base", "/files/a%2Fb%20c?q=x%26y");
        var uri = new Uri(joined, UriKind.Absolute);
        Assert.Equal("/base/files/a%2Fb%20c?q=x%26y", uri.PathAndQuery);
    }

    [Theory]
    [InlineData("/openai/v1/chat/completions?x=1", "/openai", "/v1/chat/completions?x=1")]
    [InlineData("/OpenAI/v1/models", "/openai", "/v1/models")]
    [InlineData("/openai", "/openai", "")]
    [InlineData("/openai?x=1", "/openai", "?x=1")]
    [InlineData("/openai/a%2Fb", "/openai", "/a%2Fb")]
    [InlineData("/openaix/v1", "/openai", null)]
    [InlineData("http://host/openai/v1", "/openai", null)]
    public void RestFromRawTarget_Cases(string rawTarget, string prefix, string? expected) =>
        Assert.Equal(expected, UpstreamPath.RestFromRawTarget(rawTarget, prefix));

    [Theory]
    [InlineData("/v1/chat/completions?key=secret", "/v1/chat/completions")]
    [InlineData("?key=secret", "/")]
    [InlineData("", "/")]
    [InlineData("/v1/models", "/v1/models")]
    public void PathOnly_StripsQuery(string rest, string expected) =>
        Assert.Equal(expected, UpstreamPath.PathOnly(rest));
}
