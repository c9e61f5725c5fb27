using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using TokenOps.Core.Bus;
using TokenOps.Core.Events;
using TokenOps.Proxy.Forwarding;
using TokenOps.Proxy.Observation;

namespace TokenOps.Proxy.Tests.Forwarding;

public sealed class ForwarderTests
{
    private static readonly Uri Upstream = new("http://upstream.test/base/");

    [Fact]
    public async Task ForwardAsync_JsonExchange_RelaysStatusHeadersBodyAndFiltersRequestHeaders()
    {
        HttpRequestMessage? seen = null;
        byte[]? seenBody = null;
        var handler = new FakeHandler(async (request, ct) =>
        {
            seen = request;
            seenBody = await request.Content!.ReadAsByteArrayAsync(ct);
            var response = new HttpResponseMessage(HttpStatusCode.Created) { Content = new ByteArrayContent("{\"ok\":true}"u8.ToArray()) };
            response.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            response.Headers.TryAddWithoutValidation("request-id", "req_1");
            return response;
        });
        using var forwarder = CreateForwarder(handler);
        var context = CreateContext("POST", "/anthropic/v1/messages", "?beta=true", "{\"model\":\"claude\"}");

        await forwarder.ForwardAsync(context, forwarder.Routes[1]);

        Assert.Equal(201, context.Response.StatusCode);
        Assert.Equal("{\"ok\":true}", ResponseText(context));
        Assert.Equal("req_1", context.Response.Headers["request-id"].ToString());
        Assert.NotNull(seen);
        Assert.Equal("http://upstream.test/base/v1/messages?beta=true", seen!.RequestUri!.AbsoluteUri);
        Assert.Equal(HttpMethod.Post, seen.Method);
        Assert.Equal("{\"model\":\"claude\"}", Encoding.UTF8.GetString(seenBody!));
        Assert.Equal("sk-ant-secret", string.Join(",", seen.Headers.GetValues("x-api-key")));
        Assert.False(seen.Headers.Contains("X-TokenOps-Workflow-Id"));
        Assert.Equal(1, forwarder.Counters.Requests);
        Assert.Equal(0, forwarder.Counters.InFlight);
        Assert.Equal(0, forwarder.Counters.TotalErrors);
        Assert.Equal(18, forwarder.Counters.RequestBytes);
        Assert.Equal(11, forwarder.Counters.ResponseBytes);
    }

    [Fact]
    public async Task ForwardAsync_ConnectFailure_Returns502InCallerShapeAndCounts()
    {
        var handler = new FakeHandler((_, _) => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused"));
        using var forwarder = CreateForwarder(handler);
        var context = CreateContext("POST", "/anthropic/v1/messages", "", "{}");

        await forwarder.ForwardAsync(context, forwarder.Routes[1]);

        Assert.Equal(502, context.Response.StatusCode);
        Assert.Equal("application/json", context.Response.ContentType);
        using var doc = JsonDocument.Parse(ResponseText(context));
        Assert.Equal("error", doc.RootElement.GetProperty("type").GetString());
        Assert.Equal("api_error", doc.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(1, forwarder.Counters.Errors(ForwarderError.UpstreamConnectFailed));
    }

    [Fact]
    public async Task ForwardAsync_UpstreamNeverAnswers_Returns504AfterFirstByteTimeout()
    {
        var handler = new FakeHandler(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });
        using var forwarder = CreateForwarder(handler, new ProxyOptions
        {
            Upstreams = Upstreams(),
            FirstByteTimeout = TimeSpan.FromMilliseconds(200),
        });
        var context = CreateContext("POST", "/gemini/v1beta/models/gemini-2.5-flash:generateContent", "", "{}");

        await forwarder.ForwardAsync(context, forwarder.Routes[2]);

        Assert.Equal(504, context.Response.StatusCode);
        using var doc = JsonDocument.Parse(ResponseText(context));
        Assert.Equal("DEADLINE_EXCEEDED", doc.RootElement.GetProperty("error").GetProperty("status").GetString());
        Assert.Equal(1, forwarder.Counters.Errors(ForwarderError.UpstreamTimeout));
    }

    [Fact]
    public async Task ForwardAsync_ProviderNotConfigured_Returns404NoRoute()
    {
        using var forwarder = CreateForwarder(new FakeHandler((_, _) => throw new InvalidOperationException("must not be called")), new ProxyOptions
        {
            Upstreams = new Dictionary<string, Uri> { ["openai"] = Upstream },
        });
        var context = CreateContext("GET", "/gemini/v1beta/models", "", null);

        await forwarder.ForwardAsync(context, forwarder.Routes[2]);

        Assert.Equal(404, context.Response.StatusCode);
        using var doc = JsonDocument.Parse(ResponseText(context));
        Assert.Equal("NOT_FOUND", doc.RootElement.GetProperty("error").GetProperty("status").GetString());
        Assert.Equal(1, forwarder.Counters.Errors(ForwarderError.NoRoute));
    }

    [Fact]
    public async Task ForwardAsync_WithPublisher_PublishesEventWithAttributionTraceAndCredentialHash()
    {
        var handler = new FakeHandler(async (request, ct) =>
        {
            await request.Content!.ReadAsByteArrayAsync(ct);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent("hello"u8.ToArray()) };
        });
        var publisher = new FakePublisher();
        var observer = new RecordingObserver();
        using var forwarder = CreateForwarder(handler, publisher: publisher, observers: new FakeObserverFactory(observer));
        var context = CreateContext("POST", "/openai/v1/chat/completions", "?api-version=1", "{\"a\":1}");
        context.Request.Headers.Authorization = "Bearer sk-secret";
        context.Request.Headers["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        context.Request.Headers["X-TokenOps-Agent-Id"] = "agent-7";
        context.Request.Headers["X-TokenOps-Session-Id"] = "s-1";
        context.Request.Headers["X-TokenOps-User-Id"] = "u-1";

        await forwarder.ForwardAsync(context, forwarder.Routes[0]);
        var envelope = await publisher.Published.Task.WaitAsync(TimeSpan.FromSeconds(5));

        var e = envelope.Prompt!;
        Assert.Equal(EventTypes.Prompt, envelope.Type);
        Assert.Equal("openai", e.Provider);
        Assert.Equal("POST", e.Method);
        Assert.Equal("/v1/chat/completions", e.Path);
        Assert.Equal("wf-1", e.WorkflowId);
        Assert.Equal("agent-7", e.AgentId);
        Assert.Equal("s-1", e.SessionId);
        Assert.Equal("u-1", e.UserId);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", e.TraceId);
        Assert.Equal("b7ad6b7169203331", e.SpanId);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("Bearer sk-secret"u8))[..16], e.CredentialHash);
        Assert.Equal(200, e.StatusCode);
        Assert.Equal(7, e.RequestBytes);
        Assert.Equal(5, e.ResponseBytes);
        Assert.NotNull(e.TimeToFirstByteMs);
        Assert.True(e.LatencyMs >= e.TimeToFirstByteMs);
        Assert.Null(e.ProxyError);
        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(observer.RequestBody.ToArray()));
        Assert.Equal("hello", Encoding.UTF8.GetString(observer.ResponseBody.ToArray()));
        Assert.Equal(200, observer.Status);
        Assert.True(observer.CompletedWith);
        Assert.Equal("provider", e.UsageSource);
    }

    [Fact]
    public async Task ForwardAsync_GeminiKeyInQuery_HashesKeyNotPath()
    {
        var handler = new FakeHandler((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) }));
        var publisher = new FakePublisher();
        using var forwarder = CreateForwarder(handler, publisher: publisher);
        var context = CreateContext("GET", "/gemini/v1beta/models", "?key=AIza-secret&pageSize=5", null);
        context.Request.Headers.Remove("x-api-key");

        await forwarder.ForwardAsync(context, forwarder.Routes[2]);
        var e = (await publisher.Published.Task.WaitAsync(TimeSpan.FromSeconds(5))).Prompt!;

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("AIza-secret"u8))[..16], e.CredentialHash);
        Assert.Equal("/v1beta/models", e.Path);
    }

    [Fact]
    public async Task ForwardAsync_ObserverThrows_ForwardingUnaffectedAndEventUnavailable()
    {
        var handler = new FakeHandler((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent("body"u8.ToArray()) }));
        var publisher = new FakePublisher();
        var observer = new RecordingObserver { ThrowOnResponseBody = true };
        using var forwarder = CreateForwarder(handler, publisher: publisher, observers: new FakeObserverFactory(observer));
        var context = CreateContext("GET", "/openai/v1/models", "", null);

        await forwarder.ForwardAsync(context, forwarder.Routes[0]);
        var e = (await publisher.Published.Task.WaitAsync(TimeSpan.FromSeconds(5))).Prompt!;

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("body", ResponseText(context));
        Assert.Equal(1, forwarder.Counters.ObserverFailures);
        Assert.False(observer.CompletedWith);
        Assert.Equal(UsageSources.Unavailable, e.UsageSource);
    }

    [Fact]
    public async Task ForwardAsync_MinimalMode_NoObserverCreated()
    {
        var handler = new FakeHandler((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) }));
        var factory = new FakeObserverFactory(new RecordingObserver());
        using var forwarder = CreateForwarder(handler, observers: factory);

        await forwarder.ForwardAsync(CreateContext("GET", "/openai/v1/models", "", null), forwarder.Routes[0]);

        Assert.Equal(0, factory.Created);
    }

    [Fact]
    public async Task ForwardAsync_InterceptorAnswers_UpstreamNotCalled()
    {
        var calls = 0;
        var handler = new FakeHandler((_, _) =>
        {
            calls++;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        });
        using var forwarder = CreateForwarder(handler, interceptors: [new AnsweringInterceptor()]);
        var context = CreateContext("POST", "/openai/v1/chat/completions", "", "{}");

        await forwarder.ForwardAsync(context, forwarder.Routes[0]);

        Assert.Equal(0, calls);
        Assert.Equal(203, context.Response.StatusCode);
        Assert.Equal("cached", ResponseText(context));
    }

    [Fact]
    public async Task ForwardAsync_InterceptorReplacesBody_UpstreamGetsReplacementWithLength()
    {
        byte[]? seenBody = null;
        long? seenLength = null;
        var handler = new FakeHandler(async (request, ct) =>
        {
            seenLength = request.Content!.Headers.ContentLength;
            seenBody = await request.Content.ReadAsByteArrayAsync(ct);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) };
        });
        using var forwarder = CreateForwarder(handler, interceptors: [new PassInterceptor(), new RewritingInterceptor()]);
        var context = CreateContext("POST", "/openai/v1/chat/completions", "", "{\"messages\":[1,2,3]}");

        await forwarder.ForwardAsync(context, forwarder.Routes[0]);

        Assert.Equal("{\"short\":1}", Encoding.UTF8.GetString(seenBody!));
        Assert.Equal(11, seenLength);
    }

    [Fact]
    public async Task ForwardAsync_InterceptorThrows_Returns500InterceptorFailed()
    {
        using var forwarder = CreateForwarder(new FakeHandler((_, _) => throw new InvalidOperationException("must not be called")), interceptors: [new ThrowingInterceptor()]);
        var context = CreateContext("POST", "/openai/v1/chat/completions", "", "{}");

        await forwarder.ForwardAsync(context, forwarder.Routes[0]);

        Assert.Equal(500, context.Response.StatusCode);
        Assert.Equal(1, forwarder.Counters.Errors(ForwarderError.InterceptorFailed));
    }

    private static Dictionary<string, Uri> Upstreams() => new()
    {
        ["openai"] = Upstream,
        ["anthropic"] = Upstream,
        ["gemini"] = Upstream,
    };

    [Fact]
    public async Task CompletionPump_ExchangesFinishingTogether_AreAllPublishedByTheMeteringThread()
    {
        var publisher = new CountingPublisher();
        var handler = OkHandler();
        using var forwarder = CreateForwarder(handler, publisher: publisher, completionDelay: TimeSpan.FromMilliseconds(20));

        await ForwardManyAsync(forwarder, 50);

        await publisher.WaitForCountAsync(50);

        Assert.Equal(50, publisher.Count);
        Assert.Contains("TokenOps metering", publisher.Threads);
    }

    [Fact]
    public async Task DrainCompletions_PublishesWhatIsQueuedWithoutWaitingForTheDelay()
    {
        var publisher = new CountingPublisher();
        var handler = OkHandler();
        using var forwarder = CreateForwarder(handler, publisher: publisher, completionDelay: TimeSpan.FromMinutes(10));
        await ForwardManyAsync(forwarder, 3);

        Assert.Equal(0, publisher.Count); // the metering thread sleeps out its (long) delay

        Assert.Equal(3, forwarder.DrainCompletions());
        Assert.Equal(3, publisher.Count);
        Assert.Equal(0, forwarder.DrainCompletions());
    }

    [Fact]
    public async Task QueueCompletion_AboveMaxPendingCompletions_DropsAndCountsNeverBlocks()
    {
        var publisher = new CountingPublisher();
        var handler = OkHandler();
        var services = new ForwarderServices(new ForwarderCounters(), TimeProvider.System, NullLogger.Instance, 16, publisher, null, null, [], null, TimeSpan.FromMinutes(10));
        using var forwarder = new Forwarder(new ProxyOptions { Upstreams = Upstreams() }, new HttpMessageInvoker(handler), services, NullLogger.Instance);
        for (var i = 0; i < 20; i++)
        {
            var context = CreateContext("POST", "/openai/v1/chat/completions", "", "{}");
            await forwarder.ForwardAsync(context, forwarder.Routes[0]);
            Assert.Equal(200, context.Response.StatusCode);
        }

        Assert.Equal(4, forwarder.Counters.CompletionsDropped);
        Assert.Equal(16, forwarder.DrainCompletions());
        Assert.Equal(16, publisher.Count);
    }

    [Fact]
    public async Task CompletionPump_Backlog_SpillsToTheThreadPoolAndLosesNothing()
    {
        var publisher = new CountingPublisher();
        var handler = OkHandler();
        var services = new ForwarderServices(new ForwarderCounters(), TimeProvider.System, NullLogger.Instance, 4096, publisher, null, null, [], null, TimeSpan.FromMinutes(10));
        using var forwarder = new Forwarder(new ProxyOptions { Upstreams = Upstreams() }, new HttpMessageInvoker(handler), services, NullLogger.Instance);
        var total = CompletionPump.BacklogToThreadPool + 40;
        await ForwardManyAsync(forwarder, total);

        await publisher.WaitForCountAsync(40);

        Assert.Equal(40, publisher.Count); // the spill, on the thread pool, while the pump still sleeps
        Assert.Equal(CompletionPump.BacklogToThreadPool, forwarder.DrainCompletions());
        Assert.Equal(total, publisher.Count);
    }

    private static FakeHandler OkHandler() =>
        new((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent("{}"u8.ToArray()) }));

    private static async Task ForwardManyAsync(Forwarder forwarder, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await forwarder.ForwardAsync(CreateContext("POST", "/openai/v1/chat/completions", "", "{}"), forwarder.Routes[0]);
        }
    }

    private static Forwarder CreateForwarder(
        HttpMessageHandler handler,
        ProxyOptions? options = null,
        IEventPublisher? publisher = null,
        IExchangeObserverFactory? observers = null,
        IPreForwardInterceptor[]? interceptors = null,
        TimeSpan completionDelay = default)
    {
        options ??= new ProxyOptions { Upstreams = Upstreams() };
        var services = new ForwarderServices(new ForwarderCounters(), TimeProvider.System, NullLogger.Instance, 4096, publisher, observers, null, interceptors ?? [], null, completionDelay);
        return new Forwarder(options, new HttpMessageInvoker(handler), services, NullLogger.Instance);
    }

    private static DefaultHttpContext CreateContext(string method, string path, string query, string? body)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("127.0.0.1:7878");
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        context.Request.Headers["x-api-key"] = "sk-ant-secret";
        context.Request.Headers["X-TokenOps-Workflow-Id"] = "wf-1";
        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
            context.Request.ContentType = "application/json";
        }

        context.Response.Body = new MemoryStream();
        return context;
    }

    private static string ResponseText(HttpContext context) =>
        Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());

    private sealed class FakeHandler(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            send(request, cancellationToken);
    }

    private sealed class FakePublisher : IEventPublisher
    {
        public TaskCompletionSource<Envelope> Published { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool TryPublish(Envelope envelope) => Published.TrySetResult(envelope);
    }

    private sealed class CountingPublisher : IEventPublisher
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public System.Collections.Concurrent.ConcurrentBag<string> Threads { get; } = [];

        public async Task WaitForCountAsync(int count)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (Count < count && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }
        }

        public bool TryPublish(Envelope envelope)
        {
            Threads.Add(Thread.CurrentThread.Name ?? "");
            Interlocked.Increment(ref _count);
            return true;
        }
    }

    private sealed class FakeObserverFactory(IExchangeObserver observer) : IExchangeObserverFactory
    {
        public int Created { get; private set; }

        public IExchangeObserver? Create(string provider, string method, string path)
        {
            Created++;
            return observer;
        }
    }

    private sealed class RecordingObserver : IExchangeObserver
    {
        public MemoryStream RequestBody { get; } = new();

        public MemoryStream ResponseBody { get; } = new();

        public int Status { get; private set; }

        public bool CompletedWith { get; private set; }

        public bool ThrowOnResponseBody { get; init; }

        public void OnRequestBody(ReadOnlySpan<byte> chunk) => RequestBody.Write(chunk);

        public void OnResponseStart(int statusCode, string? contentType, string? contentEncoding) => Status = statusCode;

        public void OnResponseBody(ReadOnlySpan<byte> chunk, long timestamp)
        {
            if (ThrowOnResponseBody)
            {
                throw new InvalidOperationException("tap bug");
            }

            ResponseBody.Write(chunk);
        }

        public void Complete(PromptEvent promptEvent, bool exchangeCompleted)
        {
            CompletedWith = exchangeCompleted;
            promptEvent.UsageSource = UsageSources.Provider;
        }
    }

    private sealed class AnsweringInterceptor : IPreForwardInterceptor
    {
        public async ValueTask<bool> InterceptAsync(PreForwardContext context)
        {
            context.HttpContext.Response.StatusCode = 203;
            await context.HttpContext.Response.WriteAsync("cached");
            return true;
        }
    }

    private sealed class PassInterceptor : IPreForwardInterceptor
    {
        public ValueTask<bool> InterceptAsync(PreForwardContext context) => ValueTask.FromResult(false);
    }

    private sealed class RewritingInterceptor : IPreForwardInterceptor
    {
        public ValueTask<bool> InterceptAsync(PreForwardContext context)
        {
            context.ReplaceRequestBody("{\"short\":1}"u8.ToArray());
            return ValueTask.FromResult(false);
        }
    }

    private sealed class ThrowingInterceptor : IPreForwardInterceptor
    {
        public ValueTask<bool> InterceptAsync(PreForwardContext context) => throw new InvalidOperationException("interceptor bug");
    }
}
