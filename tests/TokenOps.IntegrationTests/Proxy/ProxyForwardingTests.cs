using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TokenOps.Core.Bus;
using TokenOps.Core.Events;
using TokenOps.Proxy;
using TokenOps.Proxy.Forwarding;
using TokenOps.Proxy.Observation;
using TokenOps.Testing.Fakes;

namespace TokenOps.IntegrationTests.Proxy;

public sealed class ProxyForwardingTests
{
    private const string OpenAIChat = "/openai/v1/chat/completions";
    private const string AnthropicMessages = "/anthropic/v1/messages";
    private const string GeminiGenerate = "/gemini/v1beta/models/gemini-2.5-flash:generateContent";
    private const string GeminiStream = "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";

    public static TheoryData<string, string> JsonCases => new()
    {
        { OpenAIChat, OpenAIFixtures.ChatCompletionJson },
        { AnthropicMessages, AnthropicFixtures.MessageJson },
        { GeminiGenerate, GeminiFixtures.GenerateContentJson },
    };

    [Theory]
    [MemberData(nameof(JsonCases))]
    public async Task Proxy_NonStreamingJson_ArrivesIdentical(string path, string expected)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.OptionsFor(upstream.BaseUri));

        using var response = await proxy.Client.PostAsync(path, Json("{\"model\":\"m\",\"messages\":[]}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(expected, await response.Content.ReadAsStringAsync());
        Assert.Equal(expected.Length, response.Content.Headers.ContentLength);
    }

    public static TheoryData<string, int> StreamCases => new()
    {
        { OpenAIChat, 1 },
        { AnthropicMessages, 1 },
        { GeminiStream, 1 },
        { OpenAIChat, 7 },
        { AnthropicMessages, 13 },
        { GeminiStream, 29 },
    };

    [Theory]
    [MemberData(nameof(StreamCases))]
    public async Task Proxy_SseInAwkwardChunks_ArrivesByteIdentical(string path, int chunkSize)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        FakeResponse? sent = null;
        upstream.Handler = r => sent = ProviderFixtures.Auto(r) with { ChunkSize = chunkSize };
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.OptionsFor(upstream.BaseUri));

        using var response = await proxy.Client.PostAsync(path, Json("{\"stream\":true}"));
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.True(sent!.Parts.Count >= 3);
        Assert.Equal(sent.WireBody(), body);
    }

    [Fact]
    public async Task Proxy_GzipResponse_PassesCompressedBytesAndEncoding()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        var sent = AnthropicFixtures.MessageStream() with { Gzip = true, ChunkSize = 5 };
        upstream.Handler = _ => sent;
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.OptionsFor(upstream.BaseUri));
        using var request = new HttpRequestMessage(HttpMethod.Post, AnthropicMessages) { Content = Json("{\"stream\":true}") };
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip, br");

        using var response = await proxy.Client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(["gzip"], response.Content.Headers.ContentEncoding);
        Assert.Equal(sent.WireBody(), body);
        Assert.Equal("gzip, br", upstream.Requests[0].Header("Accept-Encoding"));
        using var gunzip = new System.IO.Compression.GZipStream(new MemoryStream(body), System.IO.Compression.CompressionMode.Decompress);
        using var plain = new MemoryStream();
        await gunzip.CopyToAsync(plain);
        Assert.Equal(sent.PlainBody(), plain.ToArray());
    }

    public static TheoryData<string, int, string> ErrorCases => new()
    {
        { OpenAIChat, 429, OpenAIFixtures.RateLimitErrorJson },
        { OpenAIChat, 500, OpenAIFixtures.ServerErrorJson },
        { AnthropicMessages, 529, AnthropicFixtures.OverloadedErrorJson },
        { AnthropicMessages, 400, AnthropicFixtures.InvalidRequestErrorJson },
        { GeminiGenerate, 400, GeminiFixtures.InvalidKeyErrorJson },
        { GeminiGenerate, 503, GeminiFixtures.UnavailableErrorJson },
    };

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public async Task Proxy_UpstreamErrorStatus_PassesThroughWithBody(string path, int status, string body)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Handler = _ => FakeResponse.Json(body, status);
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.OptionsFor(upstream.BaseUri));

        using var response = await proxy.Client.PostAsync(path, Json("{}"));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
        Assert.Equal(0, proxy.Counters.TotalErrors);
    }

    [Fact]
    public async Task Proxy_50MBRequestBody_ArrivesIntact()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Handler = _ => FakeResponse.Json("{}");
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.OptionsFor(upstream.BaseUri));
        const int size = 50 * 1024 * 1024;
        var payload = new byte[size];
        new Random(42).NextBytes(payload);
        var expectedHash = Convert.ToHexStringLower(SHA256.HashData(payload));

        using var content = new StreamContent(new MemoryStream(payload));
        content.Headers.ContentType = new("application/octet-stream");
        using var response = await proxy.Client.PostAsync("/openai/v1/files", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = upstream.Requests[0];
        Assert.Equal(size, received.BodyLength);
        Assert.Equal(expectedHash, received.BodySha256);
        Assert.Equal(size.ToString(System.Globalization.CultureInfo.InvariantCulture), received.Header("Content-Length"));
        Assert.Equal(size, proxy.Counters.RequestBytes);
    }

    [Fact]
    public async Task Proxy_ChunkedRequestBody_ForwardedChunked()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Handler = _ => FakeResponse.Json("{}");
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.OptionsFor(upstream.BaseUri));
        var payload = Encoding.UTF8.GetBytes(new string('x', 100_000));

        using var content = new StreamContent(new NonSeekableStream(payload));
        using var response = await proxy.Client.PostAsync(OpenAIChat, content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(payload.Length, upstream.Requests[0].BodyLength);
        Assert.Equal("chunked", upstream.Requests[0].Header("Transfer-Encoding"));
    }

    [Theory]
    [InlineData(OpenAIChat, "error.code", "tokenops_upstream_connect_failed")]
    [InlineData(AnthropicMessages, "error.type", "api_error")]
    [InlineData(GeminiGenerate, "error.status", "UNAVAILABLE")]
    public async Task Proxy_UpstreamDown_Returns502InProviderShape(string path, string property, string expected)
    {
        var deadPort = ReserveFreePort();
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.OptionsFor(new Uri($"http://127.0.0.1:{deadPort}")));

        using var response = await proxy.Client.PostAsync(path, Json("{}"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var parts = property.Split('.');
        Assert.Equal(expected, doc.RootElement.GetProperty(parts[0]).GetProperty(parts[1]).GetString());
        Assert.Equal(1, proxy.Counters.Errors(ForwarderError.UpstreamConnectFailed));
    }

    [Fact]
    public async Task Proxy_UpstreamStallsBeforeHeaders_Returns504AndCancelsUpstream()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Handler = _ => new FakeResponse { StallBeforeHeaders = true };
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.OptionsFor(upstream.BaseUri) with { FirstByteTimeout = TimeSpan.FromMilliseconds(300) });

        var watch = Stopwatch.StartNew();
        using var response = await proxy.Client.PostAsync(AnthropicMessages, Json("{}"));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("timeout_error", doc.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.True(await upstream.Requests[0].Aborted.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, proxy.Counters.Errors(ForwarderError.UpstreamTimeout));
    }

    [Fact]
    public async Task Proxy_UpstreamStallsMidBody_ClientConnectionAborted()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        var sent = OpenAIFixtures.ChatCompletionStream() with { StallAfterParts = 2 };
        upstream.Handler = _ => sent;
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.OptionsFor(upstream.BaseUri) with { IdleTimeout = TimeSpan.FromMilliseconds(300) });

        using var request = new HttpRequestMessage(HttpMethod.Post, OpenAIChat) { Content = Json("{\"stream\":true}") };
        using var response = await proxy.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stream = await response.Content.ReadAsStreamAsync();
        var received = new MemoryStream();

        var ex = await Record.ExceptionAsync(() => stream.CopyToAsync(received));

        Assert.IsAssignableFrom<IOException>(ex);
        var firstTwo = Encoding.UTF8.GetBytes(OpenAIFixtures.ChatCompletionStreamEvents[0] + OpenAIFixtures.ChatCompletionStreamEvents[1]);
        Assert.Equal(firstTwo, received.ToArray());
        Assert.True(await upstream.Requests[0].Aborted.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, proxy.Counters.Errors(ForwarderError.UpstreamIdleTimeout));
    }

    [Fact]
    public async Task Proxy_ClientDisconnectsMidStream_UpstreamSeesCancellation()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Handler = _ => AnthropicFixtures.MessageStream() with { DelayBetweenParts = TimeSpan.FromMilliseconds(300) };
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.OptionsFor(upstream.BaseUri));

        var request = new HttpRequestMessage(HttpMethod.Post, AnthropicMessages) { Content = Json("{\"stream\":true}") };
        var response = await proxy.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[16];
        Assert.True(await stream.ReadAsync(buffer) > 0);
        response.Dispose();
        request.Dispose();

        Assert.True(await upstream.Requests[0].Aborted.WaitAsync(TimeSpan.FromSeconds(5)));
        await WaitUntilAsync(() => proxy.Counters.InFlight == 0);
        Assert.Equal(1, proxy.Counters.Errors(ForwarderError.ClientAborted));
    }

    [Fact]
    public async Task Proxy_Headers_TokenOpsStrippedAuthAndQueryForwarded()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.OptionsFor(upstream.BaseUri));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=AIza-test");
        request.Content = Json("{}");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer sk-test");
        request.Headers.TryAddWithoutValidation("x-api-key", "sk-ant-test");
        request.Headers.TryAddWithoutValidation("x-goog-api-key", "AIza-header");
        request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        request.Headers.TryAddWithoutValidation("X-TokenOps-Workflow-Id", "wf-1");
        request.Headers.TryAddWithoutValidation("X-TokenOps-Agent-Id", "agent-1");
        request.Headers.TryAddWithoutValidation("Connection", "X-Per-Hop");
        request.Headers.TryAddWithoutValidation("X-Per-Hop", "1");

        using var response = await proxy.Client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();

        var received = upstream.Requests[0];
        Assert.Equal("/v1beta/models/gemini-2.5-flash:streamGenerateContent", received.Path);
        Assert.Equal("?alt=sse&key=AIza-test", received.Query);
        Assert.Equal("Bearer sk-test", received.Header("Authorization"));
        Assert.Equal("sk-ant-test", received.Header("x-api-key"));
        Assert.Equal("AIza-header", received.Header("x-goog-api-key"));
        Assert.Equal("2023-06-01", received.Header("anthropic-version"));
        Assert.Equal(upstream.BaseUri.Authority, received.Header("Host"));
        Assert.Null(received.Header("X-Per-Hop"));
        foreach (var name in received.Headers.Keys)
        {
            Assert.False(name.StartsWith("X-TokenOps-", StringComparison.OrdinalIgnoreCase), name);
        }
    }

    [Fact]
    public async Task Proxy_UpstreamBaseWithPathAndEncodedChars_JoinedExactly()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Handler = _ => FakeResponse.Json("{}");
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.OptionsFor(new Uri(upstream.BaseUri, "/gateway/v1/")));

        using var response = await proxy.Client.GetAsync("/openai/files/a%2Fb%20c?q=x%26y");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/gateway/v1/files/a%2Fb%20c", upstream.Requests[0].Path);
        Assert.Equal("?q=x%26y", upstream.Requests[0].Query);
        Assert.Equal("GET", upstream.Requests[0].Method);
    }

    [Fact]
    public async Task Proxy_SseEvents100msApart_ArriveUnbuffered()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Handler = _ => OpenAIFixtures.ChatCompletionStream() with { DelayBetweenParts = TimeSpan.FromMilliseconds(100) };
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.OptionsFor(upstream.BaseUri));

        using var request = new HttpRequestMessage(HttpMethod.Post, OpenAIChat) { Content = Json("{\"stream\":true}") };
        using var response = await proxy.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var headersAt = Stopwatch.GetTimestamp();
        var stream = await response.Content.ReadAsStreamAsync();
        var arrivals = new List<long>();
        var pending = new List<byte>();
        var buffer = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            var now = Stopwatch.GetTimestamp();
            pending.AddRange(buffer.AsSpan(0, read));
            // Count complete events ("\n\n"-terminated) that arrived in this read.
            for (var i = CountEvents(pending) - arrivals.Count; i > 0; i--)
            {
                arrivals.Add(now);
            }
        }

        Assert.Equal(OpenAIFixtures.ChatCompletionStreamEvents.Count, arrivals.Count);
        // A buffering proxy delivers everything at once (gaps ≈ 0). CPU starvation on a shared CI box can stretch a
        // single gap, so judge the pattern: the first event arrives promptly, the median gap is ~100 ms, and nearly
        // every gap shows the upstream's pacing.
        Assert.InRange(Stopwatch.GetElapsedTime(headersAt, arrivals[0]).TotalMilliseconds, 0, 300);
        var gaps = new List<double>();
        for (var i = 1; i < arrivals.Count; i++)
        {
            gaps.Add(Stopwatch.GetElapsedTime(arrivals[i - 1], arrivals[i]).TotalMilliseconds);
        }

        gaps.Sort();
        Assert.InRange(gaps[gaps.Count / 2], 70, 200);
        Assert.True(gaps.Count(g => g >= 50) >= gaps.Count - 1, "gaps: " + string.Join(", ", gaps.Select(g => g.ToString("0", System.Globalization.CultureInfo.InvariantCulture))));
    }

    [Fact]
    public async Task Proxy_WithObserverAndPublisher_ObserverSeesExactBytesAndEventPublished()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        var sent = GeminiFixtures.StreamGenerateContent() with { ChunkSize = 3, Gzip = true };
        upstream.Handler = _ => sent;
        var observer = new CapturingObserver();
        var publisher = new CapturingPublisher();
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.OptionsFor(upstream.BaseUri), s =>
        {
            s.AddSingleton<IExchangeObserverFactory>(new SingleObserverFactory(observer));
            s.AddSingleton<IEventPublisher>(publisher);
        });
        var requestBody = "{\"contents\":[{\"parts\":[{\"text\":\"hi\"}]}]}";
        using var request = new HttpRequestMessage(HttpMethod.Post, GeminiStream) { Content = Json(requestBody) };
        request.Headers.TryAddWithoutValidation("X-TokenOps-Workflow-Id", "wf-42");
        request.Headers.TryAddWithoutValidation("x-goog-api-key", "AIza-key");

        using var response = await proxy.Client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        var envelope = await publisher.Published.Task.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(sent.WireBody(), body);
        Assert.Equal(sent.WireBody(), observer.Response.ToArray());
        Assert.Equal(Encoding.UTF8.GetBytes(requestBody), observer.Request.ToArray());
        Assert.Equal("gzip", observer.ContentEncoding);
        Assert.Equal("text/event-stream", observer.ContentType);
        var e = envelope.Prompt!;
        Assert.Equal("gemini", e.Provider);
        Assert.Equal("/v1beta/models/gemini-2.5-flash:streamGenerateContent", e.Path);
        Assert.Equal("wf-42", e.WorkflowId);
        Assert.Equal(200, e.StatusCode);
        Assert.Equal(sent.WireBody().Length, e.ResponseBytes);
        Assert.Equal(requestBody.Length, e.RequestBytes);
        Assert.Equal(16, e.CredentialHash!.Length);
        Assert.True(observer.Completed);
    }

    [Fact]
    public async Task Proxy_UnknownPrefix_Returns404JsonButExplicitRoutesWin()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.OptionsFor(upstream.BaseUri));

        using var notFound = await proxy.Client.PostAsync("/mistral/v1/chat/completions", Json("{}"));
        using var health = await proxy.Client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        using var doc = JsonDocument.Parse(await notFound.Content.ReadAsStringAsync());
        Assert.Equal("tokenops_no_route", doc.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok", await health.Content.ReadAsStringAsync());
        Assert.Empty(upstream.Requests);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static int ReserveFreePort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    private static int CountEvents(List<byte> data)
    {
        var count = 0;
        for (var i = 1; i < data.Count; i++)
        {
            if (data[i] == '\n' && data[i - 1] == '\n')
            {
                count++;
            }
        }

        return count;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(5), "condition not reached in 5 s");
            await Task.Delay(10);
        }
    }

    private sealed class NonSeekableStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 4096));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class CapturingObserver : IExchangeObserver
    {
        private readonly Lock _gate = new();

        public MemoryStream Request { get; } = new();

        public MemoryStream Response { get; } = new();

        public string? ContentType { get; private set; }

        public string? ContentEncoding { get; private set; }

        public bool Completed { get; private set; }

        public void OnRequestBody(ReadOnlySpan<byte> chunk)
        {
            lock (_gate)
            {
                Request.Write(chunk);
            }
        }

        public void OnResponseStart(int statusCode, string? contentType, string? contentEncoding)
        {
            ContentType = contentType;
            ContentEncoding = contentEncoding;
        }

        public void OnResponseBody(ReadOnlySpan<byte> chunk, long timestamp) => Response.Write(chunk);

        public void Complete(PromptEvent promptEvent, bool exchangeCompleted) => Completed = exchangeCompleted;
    }

    private sealed class SingleObserverFactory(IExchangeObserver observer) : IExchangeObserverFactory
    {
        public IExchangeObserver? Create(string provider, string method, string path) => observer;
    }

    private sealed class CapturingPublisher : IEventPublisher
    {
        public TaskCompletionSource<Envelope> Published { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool TryPublish(Envelope envelope) => Published.TrySetResult(envelope);
    }
}
