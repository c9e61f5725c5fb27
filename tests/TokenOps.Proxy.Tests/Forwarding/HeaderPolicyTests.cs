using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using TokenOps.Proxy.Forwarding;

namespace TokenOps.Proxy.Tests.Forwarding;

public sealed class HeaderPolicyTests
{
    [Theory]
    [InlineData("Connection")]
    [InlineData("keep-alive")]
    [InlineData("Proxy-Connection")]
    [InlineData("TE")]
    [InlineData("Transfer-Encoding")]
    [InlineData("upgrade")]
    [InlineData("Trailer")]
    [InlineData("Proxy-Authorization")]
    [InlineData("Proxy-Authenticate")]
    [InlineData("Host")]
    [InlineData("Expect")]
    [InlineData(":authority")]
    public void ShouldForwardRequestHeader_HopByHopOrOwned_False(string name) =>
        Assert.False(HeaderPolicy.ShouldForwardRequestHeader(name, StringValues.Empty));

    [Theory]
    [InlineData("Authorization")]
    [InlineData("x-api-key")]
    [InlineData("x-goog-api-key")]
    [InlineData("anthropic-version")]
    [InlineData("anthropic-beta")]
    [InlineData("OpenAI-Organization")]
    [InlineData("openai-project")]
    [InlineData("Content-Type")]
    [InlineData("Accept-Encoding")]
    [InlineData("traceparent")]
    public void ShouldForwardRequestHeader_EndToEndHeader_True(string name) =>
        Assert.True(HeaderPolicy.ShouldForwardRequestHeader(name, StringValues.Empty));

    [Theory]
    [InlineData("X-TokenOps-Workflow-Id")]
    [InlineData("x-tokenops-agent-id")]
    [InlineData("X-TOKENOPS-Anything")]
    public void ShouldForwardRequestHeader_TokenOpsHeader_False(string name) =>
        Assert.False(HeaderPolicy.ShouldForwardRequestHeader(name, StringValues.Empty));

    [Fact]
    public void ShouldForwardRequestHeader_NamedInConnection_False()
    {
        var connection = new StringValues(["keep-alive, X-Foo ,x-bar", "X-Baz"]);
        Assert.False(HeaderPolicy.ShouldForwardRequestHeader("x-foo", connection));
        Assert.False(HeaderPolicy.ShouldForwardRequestHeader("X-Bar", connection));
        Assert.False(HeaderPolicy.ShouldForwardRequestHeader("x-baz", connection));
        Assert.True(HeaderPolicy.ShouldForwardRequestHeader("X-Fo", connection));
        Assert.True(HeaderPolicy.ShouldForwardRequestHeader("Authorization", connection));
    }

    [Theory]
    [InlineData("Transfer-Encoding", false)]
    [InlineData("Connection", false)]
    [InlineData("Keep-Alive", false)]
    [InlineData("Alt-Svc", false)]
    [InlineData("Content-Encoding", true)]
    [InlineData("Content-Length", true)]
    [InlineData("x-request-id", true)]
    [InlineData("anthropic-ratelimit-requests-limit", true)]
    public void ShouldForwardResponseHeader_Policy(string name, bool expected) =>
        Assert.Equal(expected, HeaderPolicy.ShouldForwardResponseHeader(name, StringValues.Empty));

    [Fact]
    public void CopyRequestHeaders_MixedHeaders_ForwardsCredentialsAndContentHeadersOnly()
    {
        var source = new HeaderDictionary
        {
            ["Authorization"] = "Bearer sk-secret",
            ["x-api-key"] = "sk-ant-secret",
            ["anthropic-version"] = "2023-06-01",
            ["Content-Type"] = "application/json",
            ["Content-Length"] = "42",
            ["Connection"] = "keep-alive, X-Hop",
            ["X-Hop"] = "1",
            ["Keep-Alive"] = "timeout=5",
            ["Transfer-Encoding"] = "chunked",
            ["Host"] = "127.0.0.1:7878",
            ["X-TokenOps-Workflow-Id"] = "wf-1",
            ["Accept"] = new StringValues(["text/event-stream", "application/json"]),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://upstream.test/v1/messages");
        using var content = new ByteArrayContent([]);
        request.Content = content;

        HeaderPolicy.CopyRequestHeaders(source, request, content);

        Assert.Equal("Bearer sk-secret", string.Join(",", request.Headers.GetValues("Authorization")));
        Assert.Equal("sk-ant-secret", string.Join(",", request.Headers.GetValues("x-api-key")));
        Assert.Equal("2023-06-01", string.Join(",", request.Headers.GetValues("anthropic-version")));
        Assert.Equal(["text/event-stream", "application/json"], request.Headers.NonValidated["Accept"]);
        Assert.Equal("application/json", content.Headers.ContentType?.MediaType);
        Assert.Equal(42, content.Headers.ContentLength);
        Assert.False(request.Headers.Contains("X-Hop"));
        Assert.False(request.Headers.Contains("Keep-Alive"));
        Assert.False(request.Headers.Contains("X-TokenOps-Workflow-Id"));
        Assert.Null(request.Headers.Host);
        Assert.Null(request.Headers.TransferEncodingChunked);
        Assert.Empty(request.Headers.Connection);
    }

    [Fact]
    public void CopyResponseHeaders_UpstreamResponse_DropsHopByHopAndConnectionNamed()
    {
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.OK);
        response.Headers.TryAddWithoutValidation("Connection", "close, X-Upstream-Hop");
        response.Headers.TryAddWithoutValidation("X-Upstream-Hop", "1");
        response.Headers.TryAddWithoutValidation("Transfer-Encoding", "chunked");
        response.Headers.TryAddWithoutValidation("x-request-id", "req_1");
        response.Headers.TryAddWithoutValidation("Alt-Svc", "h3=\":443\"");
        response.Content = new ByteArrayContent([1, 2, 3]);
        response.Content.Headers.TryAddWithoutValidation("Content-Type", "text/event-stream; charset=utf-8");
        response.Content.Headers.TryAddWithoutValidation("Content-Encoding", "gzip");
        IHeaderDictionary target = new HeaderDictionary();

        HeaderPolicy.CopyResponseHeaders(response, target);

        Assert.Equal("req_1", target["x-request-id"].ToString());
        Assert.Equal("text/event-stream; charset=utf-8", target.ContentType.ToString());
        Assert.Equal("gzip", target.ContentEncoding.ToString());
        Assert.False(target.ContainsKey("Connection"));
        Assert.False(target.ContainsKey("X-Upstream-Hop"));
        Assert.False(target.ContainsKey("Transfer-Encoding"));
        Assert.False(target.ContainsKey("Alt-Svc"));
    }
}
