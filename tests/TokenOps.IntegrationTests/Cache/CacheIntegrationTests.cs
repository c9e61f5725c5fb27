using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using TokenOps.Core.Bus;
using TokenOps.Core.Events;
using TokenOps.IntegrationTests.Proxy;
using TokenOps.Proxy.Cache;
using TokenOps.Proxy.Observation;
using TokenOps.Storage.Cache;
using TokenOps.Testing.Fakes;

namespace TokenOps.IntegrationTests.Cache;

public sealed class CacheIntegrationTests
{
    private const string OpenAIChat = "/openai/v1/chat/completions";
    private const string AnthropicMessages = "/anthropic/v1/messages";
    private const string GeminiGenerate = "/gemini/v1beta/models/gemini-2.5-flash:generateContent";
    private const string GeminiStream = "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";

    public static TheoryData<string, string> Cases => new()
    {
        { OpenAIChat, """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hi"}]}""" },
        { OpenAIChat, """{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Say hi"}]}""" },
        { AnthropicMessages, """{"model":"claude-sonnet-4-5","max_tokens":256,"messages":[{"role":"user","content":"Say hi"}]}""" },
        { AnthropicMessages, """{"model":"claude-sonnet-4-5","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"Say hi"}]}""" },
        { GeminiGenerate, """{"contents":[{"role":"user","parts":[{"text":"Say hi"}]}]}""" },
        { GeminiStream, """{"contents":[{"role":"user","parts":[{"text":"Say hi"}]}]}""" },
    };

    private static Task<ProxyHost> StartAsync(FakeUpstream upstream, CacheOptions? options = null, Action<IServiceCollection>? more = null) =>
        ProxyHost.StartAsync(ProxyHost.OptionsFor(upstream.BaseUri), services =>
        {
            services.AddTokenOpsCache(options ?? new CacheOptions { Enabled = true });
            more?.Invoke(services);
        });

    private static HttpRequestMessage Request(string path, string body, string key = "sk-test-key-1", string? cacheHeader = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key);
        if (cacheHeader is not null)
        {
            request.Headers.TryAddWithoutValidation("X-TokenOps-Cache", cacheHeader);
        }

        return request;
    }

    private static async Task<(string Status, byte[] Body, int Code)> SendAsync(ProxyHost proxy, HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await proxy.Client.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            var status = response.Headers.TryGetValues(CacheInterceptor.StatusHeader, out var values) ? values.Single() : "(none)";
            return (status, body, (int)response.StatusCode);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Cache_SecondIdenticalCall_HitByteIdenticalWithoutUpstream(string path, string body)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var proxy = await StartAsync(upstream);

        var first = await SendAsync(proxy, Request(path, body));
        var second = await SendAsync(proxy, Request(path, body));

        Assert.Equal("miss", first.Status);
        Assert.Equal("hit", second.Status);
        Assert.Equal(200, second.Code);
        Assert.Equal(first.Body, second.Body);
        Assert.Single(upstream.Requests);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Cache_BypassAndRefresh_GoUpstream_RefreshStores(string path, string body)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var proxy = await StartAsync(upstream);

        Assert.Equal("miss", (await SendAsync(proxy, Request(path, body))).Status);
        Assert.Equal("bypass", (await SendAsync(proxy, Request(path, body, cacheHeader: "bypass"))).Status);
        Assert.Equal(2, upstream.Requests.Count);
        Assert.Equal("refresh", (await SendAsync(proxy, Request(path, body, cacheHeader: "refresh"))).Status);
        Assert.Equal(3, upstream.Requests.Count);
        Assert.Equal("hit", (await SendAsync(proxy, Request(path, body))).Status);
        Assert.Equal(3, upstream.Requests.Count);
        // X-TokenOps-Cache is ours: it never goes upstream.
        Assert.All(upstream.Requests, r => Assert.DoesNotContain(r.Headers.Keys, k => k.StartsWith("X-TokenOps", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task Cache_CacheControlNoStore_Bypasses()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var proxy = await StartAsync(upstream);
        var (path, body) = (OpenAIChat, """{"model":"gpt-4o-mini","messages":[]}""");
        for (var i = 0; i < 2; i++)
        {
            var request = Request(path, body);
            request.Headers.TryAddWithoutValidation("Cache-Control", "no-store");
            Assert.Equal("bypass", (await SendAsync(proxy, request)).Status);
        }

        Assert.Equal(2, upstream.Requests.Count);
    }

    [Fact]
    public async Task Cache_StreamedReplay_FlushesAtOriginalEventBoundaries()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Handler = _ => AnthropicFixtures.MessageStream() with { ChunkSize = 7 };
        await using var proxy = await StartAsync(upstream);
        var body = """{"model":"claude-sonnet-4-5","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]}""";
        var first = await SendAsync(proxy, Request(AnthropicMessages, body));

        using var request = Request(AnthropicMessages, body);
        using var response = await proxy.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var replay = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int read;
        var reads = 0;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            replay.Write(buffer, 0, read);
            reads++;
        }

        Assert.Equal(first.Body, replay.ToArray());
        Assert.Equal(AnthropicFixtures.MessageStream().PlainBody(), replay.ToArray());
        Assert.True(reads >= 1);
        // The entry remembers where each SSE event ended, whatever chunking the upstream used; the replay flushes there.
        var key = CacheKey.Compute("anthropic", "POST", "/v1/messages", TokenOps.Proxy.Forwarding.ForwardingExchange.HashCredential("Bearer sk-test-key-1"), Encoding.UTF8.GetBytes(body));
        Assert.True(proxy.Services.GetRequiredService<ResponseCache>().TryGet(key, out var entry));
        Assert.Equal(AnthropicFixtures.MessageStreamEvents.Count, entry!.SegmentEnds.Length);
        var offset = 0;
        for (var i = 0; i < entry.SegmentEnds.Length; i++)
        {
            offset += Encoding.UTF8.GetByteCount(AnthropicFixtures.MessageStreamEvents[i]);
            Assert.Equal(offset, entry.SegmentEnds[i]);
        }
    }

    [Fact]
    public async Task Cache_FiftyConcurrentIdenticalRequests_OneUpstreamCall()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Handler = _ => OpenAIFixtures.ChatCompletionStream() with { DelayBetweenParts = TimeSpan.FromMilliseconds(20) };
        await using var proxy = await StartAsync(upstream);
        var body = """{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"burst"}]}""";

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => SendAsync(proxy, Request(OpenAIChat, body))));

        Assert.Single(upstream.Requests);
        Assert.All(results, r => Assert.Equal(results[0].Body, r.Body));
        Assert.Single(results, r => r.Status == "miss");
        Assert.Equal(49, results.Count(r => r.Status == "hit"));
    }

    [Fact]
    public async Task Cache_DifferentApiKeys_NeverShareEntries()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var proxy = await StartAsync(upstream);
        var body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"same"}]}""";

        Assert.Equal("miss", (await SendAsync(proxy, Request(OpenAIChat, body, key: "sk-alice"))).Status);
        Assert.Equal("miss", (await SendAsync(proxy, Request(OpenAIChat, body, key: "sk-bob"))).Status);
        Assert.Equal("hit", (await SendAsync(proxy, Request(OpenAIChat, body, key: "sk-alice"))).Status);
        Assert.Equal(2, upstream.Requests.Count);
    }

    [Fact]
    public async Task Cache_UpstreamError_NeverCached()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Handler = _ => OpenAIFixtures.Error(500);
        await using var proxy = await StartAsync(upstream);
        var body = """{"model":"gpt-4o-mini","messages":[]}""";

        var first = await SendAsync(proxy, Request(OpenAIChat, body));
        var second = await SendAsync(proxy, Request(OpenAIChat, body));

        Assert.Equal(500, first.Code);
        Assert.Equal("miss", second.Status);
        Assert.Equal(2, upstream.Requests.Count);
    }

    [Fact]
    public async Task Cache_Hit_EmitsEventWithOriginalUsageAndCacheHit()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        var publisher = new Publisher();
        await using var proxy = await StartAsync(upstream, more: services =>
        {
            services.AddSingleton<IEventPublisher>(publisher);
            services.AddSingleton<IExchangeObserverFactory>(new ExchangeObserverFactory(new ObservationOptions(), TimeProvider.System));
        });
        var body = """{"model":"claude-sonnet-4-5","max_tokens":256,"messages":[{"role":"user","content":"Say hi"}]}""";

        await SendAsync(proxy, Request(AnthropicMessages, body));
        await SendAsync(proxy, Request(AnthropicMessages, body));
        var events = await publisher.WaitForAsync(2);

        var original = events.Single(e => !e.CacheHit);
        var hit = events.Single(e => e.CacheHit);
        Assert.Equal(UsageSources.Provider, original.UsageSource);
        Assert.NotNull(original.InputTokens);
        Assert.Equal(original.InputTokens, hit.InputTokens);
        Assert.Equal(original.OutputTokens, hit.OutputTokens);
        Assert.Equal(original.ResponseId, hit.ResponseId);
        Assert.Equal(original.PromptHash, hit.PromptHash);
        Assert.Equal(original.ResponseBytes, hit.ResponseBytes);
        Assert.Equal(200, hit.StatusCode);

        var stats = proxy.Services.GetRequiredService<ResponseCache>().GetStats();
        Assert.Equal(1, stats.Hits);
        Assert.Equal(1, stats.Misses);
        Assert.Equal(1, stats.Entries);
        Assert.Equal(original.InputTokens, stats.SavedInputTokens);
    }

    [Fact]
    public async Task Cache_Persisted_SurvivesRestart()
    {
        var dir = Directory.CreateTempSubdirectory("tokenops-cache-it-").FullName;
        try
        {
            var options = new CacheOptions { Enabled = true, Persist = true };
            var body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"persist me"}]}""";
            await using var upstream = await FakeUpstream.StartAsync();
            byte[] firstBody;
            using (var persistence = new SqliteCachePersistence(Path.Combine(dir, "cache.db")))
            {
                await using var proxy = await ProxyHost.StartAsync(ProxyHost.OptionsFor(upstream.BaseUri), s => s.AddTokenOpsCache(options, persistence));
                firstBody = (await SendAsync(proxy, Request(OpenAIChat, body))).Body;
            }

            using (var persistence = new SqliteCachePersistence(Path.Combine(dir, "cache.db")))
            {
                await using var proxy = await ProxyHost.StartAsync(ProxyHost.OptionsFor(upstream.BaseUri), s => s.AddTokenOpsCache(options, persistence));
                var again = await SendAsync(proxy, Request(OpenAIChat, body));
                Assert.Equal("hit", again.Status);
                Assert.Equal(firstBody, again.Body);
            }

            Assert.Single(upstream.Requests);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class Publisher : IEventPublisher
    {
        private readonly ConcurrentQueue<PromptEvent> _events = new();

        public bool TryPublish(Envelope envelope)
        {
            _events.Enqueue(envelope.Prompt!);
            return true;
        }

        public async Task<PromptEvent[]> WaitForAsync(int count)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (_events.Count < count && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            return [.. _events];
        }
    }
}
