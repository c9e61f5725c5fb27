using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokenOps.Configuration;
using TokenOps.Daemon;
using TokenOps.Logging;
using TokenOps.Optimizer.Pipeline;
using ZLogger;

namespace TokenOps.Tests.Daemon;

public sealed class DaemonHostTests : IDisposable
{
    private readonly TempHome _home = new();

    public void Dispose() => _home.Dispose();

    private TokenOpsConfig Config(string? openAiUpstream = null)
    {
        var config = TokenOpsConfig.CreateDefault(_home.Path) with { Listen = "127.0.0.1:0" };
        return openAiUpstream is null ? config : config with { Providers = config.Providers with { OpenAI = new Uri(openAiUpstream) } };
    }

    private static async Task<DaemonHost> StartAsync(TokenOpsConfig config, DaemonHostOptions? options = null)
    {
        var host = await DaemonHost.BuildAsync(config, options ?? new DaemonHostOptions { ConfigureLogging = static _ => { } });
        await host.StartAsync();
        return host;
    }

    private static HttpClient Client(DaemonHost host) => new(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = host.BaseAddress };

    [Fact]
    public async Task StartAsync_PortZero_BindsRealPortAndServesHealthz()
    {
        await using var host = await StartAsync(Config());
        using var client = Client(host);

        using var response = await client.GetAsync("/healthz");

        Assert.NotEqual(0, host.Port);
        Assert.Equal(new Uri($"http://127.0.0.1:{host.Port}/"), host.BaseAddress);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        Assert.False(response.Headers.Contains("Server"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Readyz_PassiveOptimizerCounters_OnlyWhenItRuns(bool enabled)
    {
        var config = Config();
        await using var host = await StartAsync(config with { Optimizer = config.Optimizer with { Enabled = enabled } });
        using var client = Client(host);

        var ready = JsonSerializer.Deserialize(await client.GetStringAsync("/readyz"), DaemonJsonContext.Default.ReadyResponse)!;

        foreach (var name in new[] { "analysed", "dropped", "failed", "queued_bytes" })
        {
            Assert.Equal(enabled, ready.Counters.TryGetValue("optimizer.passive." + name, out var value));
            Assert.Equal(0, value);
        }
    }

    [Fact]
    public async Task Version_Json_SourceGeneratedSnakeCase()
    {
        await using var host = await StartAsync(Config());
        using var client = Client(host);

        using var response = await client.GetAsync("/version");
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal("tokenops", document.RootElement.GetProperty("name").GetString());
        Assert.Equal(BuildInfo.Version, document.RootElement.GetProperty("version").GetString());
        Assert.Contains(".NET", document.RootElement.GetProperty("runtime").GetString());
        Assert.True(document.RootElement.TryGetProperty("commit", out _));
    }

    [Fact]
    public async Task Readyz_CountersFromEverySource_AndStorageState()
    {
        var options = new DaemonHostOptions
        {
            ConfigureLogging = static _ => { },
            ConfigureServices = static services => services.AddSingleton<IDaemonCounterSource>(new FixedCounters("test.widgets", 42)),
        };
        var directory = Directory.CreateTempSubdirectory("tokenops-readyz-");
        try
        {
            await AssertReadyzAsync(Path.Combine(directory.FullName, "s.db"), options);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private async Task AssertReadyzAsync(string storePath, DaemonHostOptions options)
    {
        await using var host = await StartAsync(Config() with { Storage = new StorageConfig { Enabled = true, Path = storePath } }, options);
        using var client = Client(host);

        using var response = await client.GetAsync("/readyz");
        var ready = JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), DaemonJsonContext.Default.ReadyResponse)!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ready", ready.Status);
        Assert.Equal($"127.0.0.1:{host.Port}", ready.Listen);
        Assert.True(ready.Storage.Enabled);
        Assert.Equal(storePath, ready.Storage.Path);
        Assert.Equal(42, ready.Counters["test.widgets"]);
        Assert.Equal(0, ready.Counters["proxy.requests"]);
        Assert.True(ready.UptimeMs >= 0);

        // The process's own cost: the load test reads these to say how much of the added latency is GC.
        Assert.True(ready.Counters["runtime.allocated_bytes"] > 0);
        Assert.True(ready.Counters["runtime.gc.heap_bytes"] > 0);
        Assert.True(ready.Counters["runtime.gc.committed_bytes"] > 0);
        Assert.True(ready.Counters["runtime.gc.fragmented_bytes"] >= 0);
        foreach (var generation in new[] { "gen0", "gen1", "gen2", "loh", "poh" })
        {
            Assert.True(ready.Counters["runtime.gc." + generation + "_bytes"] >= 0, generation);
        }

        Assert.True(ready.Counters["runtime.cpu_us"] > 0);
        Assert.True(ready.Counters["runtime.gc.gen0"] >= ready.Counters["runtime.gc.gen1"]);
        Assert.True(ready.Counters["runtime.gc.gen1"] >= ready.Counters["runtime.gc.gen2"]);
        Assert.True(ready.Counters["runtime.gc.pause_us"] >= 0);
        Assert.True(ready.Counters["runtime.threadpool.threads"] >= 0);
        Assert.True(ready.Counters["runtime.gc.last_ephemeral.promoted_bytes"] >= 0);
        Assert.True(ready.Counters["runtime.gc.last_ephemeral.pause_us"] >= 0);
    }

    [Fact]
    public async Task Proxy_Wired_ForwardsToConfiguredUpstreamAndCounts()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var host = await StartAsync(Config(upstream.Url));
        using var client = Client(host);

        using var response = await client.PostAsync("/openai/v1/chat/completions?x=1", new StringContent("{\"model\":\"gpt-4o\"}", Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        using var ready = JsonDocument.Parse(await client.GetStringAsync("/readyz"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("POST /v1/chat/completions?x=1 {\"model\":\"gpt-4o\"}", body);
        Assert.Equal(1, ready.RootElement.GetProperty("counters").GetProperty("proxy.requests").GetInt64());
    }

    [Fact]
    public async Task UnknownPath_Json404()
    {
        await using var host = await StartAsync(Config());
        using var client = Client(host);

        using var response = await client.GetAsync("/mistral/v1/models");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task RequestLog_Debug_OneLineWithoutQueryOrHeaders()
    {
        var stream = new MemoryStream();
        var options = new DaemonHostOptions
        {
            ConfigureLogging = logging =>
            {
                logging.SetMinimumLevel(LogLevel.Debug);
                logging.AddZLoggerStream(stream, o => TokenOpsLogging.ApplyFormat(o, LogFormat.Json));
            },
        };
        var host = await StartAsync(Config(), options);
        using (var client = Client(host))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz?key=AIza-secret-key");
            request.Headers.Add("x-api-key", "sk-ant-secret");
            using var response = await client.SendAsync(request);
        }

        await host.DisposeAsync();
        var lines = Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(static l => l.Contains("/healthz", StringComparison.Ordinal) && l.Contains("RequestLog", StringComparison.Ordinal)).ToArray();

        var line = Assert.Single(lines);
        Assert.DoesNotContain("AIza-secret-key", line);
        Assert.DoesNotContain("sk-ant-secret", line);
        using var document = JsonDocument.Parse(line);
        Assert.Equal("GET", document.RootElement.GetProperty("method").GetString());
        Assert.Equal("/healthz", document.RootElement.GetProperty("path").GetString());
        Assert.Equal(200, document.RootElement.GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Build_InlineIo_SetsKestrelInlineScheduling(bool inline)
    {
        await using var host = await DaemonHost.BuildAsync(Config() with { InlineIo = inline }, new DaemonHostOptions { ConfigureLogging = static _ => { } });

        Assert.Equal(inline, host.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.UnsafePreferInlineScheduling);
    }

    [Fact]
    public async Task InlineIo_ProxyAndEveryOtherEndpointStillServe()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var host = await StartAsync(Config(upstream.Url) with { InlineIo = true });
        using var client = Client(host);

        using var health = await client.GetAsync("/healthz");
        using var proxied = await client.PostAsync("/openai/v1/chat/completions", new StringContent("""{"model":"gpt-4o","messages":[]}""", Encoding.UTF8, "application/json"));
        using var missing = await client.GetAsync("/nowhere");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Theory]
    [InlineData("/openai/v1/chat/completions", true)]
    [InlineData("/OpenAI/v1/models", true)]
    [InlineData("/anthropic", true)]
    [InlineData("/gemini/v1beta/models/gemini-2.5-flash:generateContent", true)]
    [InlineData("/openaix/v1", false)]
    [InlineData("/api/summary", false)]
    [InlineData("/dashboard/", false)]
    [InlineData("/healthz", false)]
    [InlineData("/", false)]
    [InlineData(null, false)]
    public void EventLoopGuard_OnlyProxyMountsStayOnTheEventLoop(string? path, bool proxy) =>
        Assert.Equal(proxy, EventLoopGuard.IsProxyPath(path, ["/openai", "/anthropic", "/gemini"]));

    [Fact]
    public async Task Build_KestrelOptions_NoDelayNoBodyLimitNoServerHeader()
    {
        await using var host = await DaemonHost.BuildAsync(Config(), new DaemonHostOptions { ConfigureLogging = static _ => { }, ShutdownTimeout = TimeSpan.FromSeconds(3) });

        Assert.True(host.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.NoDelay);
        var kestrel = host.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>>().Value;
        Assert.False(kestrel.AddServerHeader);
        Assert.Null(kestrel.Limits.MaxRequestBodySize);
        Assert.Equal(TimeSpan.FromSeconds(3), host.Services.GetRequiredService<IOptions<Microsoft.Extensions.Hosting.HostOptions>>().Value.ShutdownTimeout);
    }

    [Fact]
    public async Task StopAsync_ClosesListener()
    {
        var host = await StartAsync(Config());
        var port = host.Port;

        await host.StopAsync();
        await host.DisposeAsync();

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAsync<SocketException>(async () => await socket.ConnectAsync(IPAddress.Loopback, port));
    }

    [Fact]
    public void CreateProxyOptions_FromConfig_UpstreamsAndTimeouts()
    {
        var config = Config("http://127.0.0.1:9/base") with { Timeouts = new TimeoutsConfig { Connect = TimeSpan.FromSeconds(1), FirstByte = TimeSpan.FromSeconds(2), Idle = TimeSpan.FromSeconds(3) } };

        var options = DaemonHost.CreateProxyOptions(config);

        Assert.Equal(new Uri("http://127.0.0.1:9/base"), options.Upstreams["openai"]);
        Assert.Equal(config.Providers.Anthropic, options.Upstreams["anthropic"]);
        Assert.Equal(config.Providers.Gemini, options.Upstreams["gemini"]);
        Assert.Equal(TimeSpan.FromSeconds(1), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), options.FirstByteTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), options.IdleTimeout);
    }

    [Fact]
    public void CreateOptimizerOptions_DefaultConfig_EqualsOptimizerDefaults()
    {
        var options = DaemonHost.CreateOptimizerOptions(Config());

        // Every config default mirrors the documented OptimizerOptions default (lists compared by content).
        var defaults = new OptimizerOptions { ScrubCapturedBodies = true };
        string[] kinds = [];
        ModelRouteRule[] rules = [];
        Assert.Equal(defaults with { Kinds = kinds, RouterRules = rules }, options with { Kinds = kinds, RouterRules = rules });
        Assert.Equal(defaults.Kinds.Order(), options.Kinds.Order());
        Assert.Empty(options.RouterRules);
    }

    [Fact]
    public void CreateOptimizerOptions_FromConfigFile_EveryOptimizerKeyMapped()
    {
        _home.WriteConfig("""
            {
              "capture": { "bodies": true },
              "optimizer": {
                "enabled": true, "mode": "interactive", "kinds": ["context_trim", "model_router"], "min_quality": 0.6,
                "latency_budget_ms": 7, "max_body_bytes": "512KB", "passive_queue": 32,
                "compress": { "collapse_duplicate_lines": false },
                "dedupe": { "threshold": 0.75, "min_tokens": 10 },
                "retrieval": { "min_block_tokens": 250, "min_chunks": 3, "keep_min": 3, "relative_score": 0.4 },
                "context_trim": { "max_tokens": 6000, "keep_last_turns": 4, "keep_first_user": false },
                "router": { "rules": [{ "from": "gpt-4o", "to": "gpt-4o-mini", "max_input_tokens": 1000, "quality": 0.86, "provider": "openai" }] },
                "cache_hint": { "min_tokens": 4096, "sessions": 16, "prefixes_per_session": 8 }
              }
            }
            """);
        var config = ConfigLoader.Load(new ConfigSources { Environment = new Dictionary<string, string> { ["TOKENOPS_HOME"] = _home.Path } });

        var options = DaemonHost.CreateOptimizerOptions(config);

        Assert.True(options.Enabled);
        Assert.Equal(OptimizerMode.Interactive, options.Mode);
        Assert.Equal(["context_trim", "model_router"], options.Kinds.ToArray());
        Assert.Equal(0.6, options.MinQuality);
        Assert.False(options.ScrubCapturedBodies);
        Assert.Equal((7.0, 512 * 1024, 32), (options.LatencyBudgetMs, options.MaxBodyBytes, options.PassiveQueueCapacity));
        Assert.False(options.CompressDuplicateLines);
        Assert.Equal((0.75, 10), (options.DedupeThreshold, options.DedupeMinTokens));
        Assert.Equal((250, 3, 3, 0.4), (options.RetrievalMinBlockTokens, options.RetrievalMinChunks, options.RetrievalKeepMin, options.RetrievalRelativeScore));
        Assert.Equal((6000, 4, false), (options.ContextTrimMaxTokens, options.ContextTrimKeepLastTurns, options.ContextTrimKeepFirstUser));
        var rule = Assert.Single(options.RouterRules);
        Assert.Equal(new ModelRouteRule { From = "gpt-4o", To = "gpt-4o-mini", MaxInputTokens = 1000, Quality = 0.86, Provider = "openai" }, rule);
        Assert.Equal((4096, 16, 8), (options.CacheHintMinTokens, options.CacheHintSessions, options.CacheHintPrefixesPerSession));
    }

    [Theory]
    [InlineData("UpstreamConnectFailed", "upstream_connect_failed")]
    [InlineData("NoRoute", "no_route")]
    public void ProxyCounterSource_SnakeCase(string name, string expected)
    {
        Assert.Equal(expected, ProxyCounterSource.SnakeCase(name));
    }

    private sealed class FixedCounters(string name, long value) : IDaemonCounterSource
    {
        public void WriteCounters(IDictionary<string, long> counters) => counters[name] = value;
    }

    /// <summary>Echoes method, path+query and body, so the test sees exactly what went upstream.</summary>
    private sealed class FakeUpstream : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private FakeUpstream(WebApplication app, string url)
        {
            _app = app;
            Url = url;
        }

        public string Url { get; }

        public static async Task<FakeUpstream> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(static k => k.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            app.Run(static async context =>
            {
                using var reader = new StreamReader(context.Request.Body);
                var body = await reader.ReadToEndAsync();
                await context.Response.WriteAsync($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString} {body}");
            });
            await app.StartAsync();
            return new FakeUpstream(app, app.Urls.First());
        }

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }
}
