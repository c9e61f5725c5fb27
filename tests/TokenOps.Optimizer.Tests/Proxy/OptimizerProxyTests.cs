using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TokenOps.Core.Bus;
using TokenOps.Core.Events;
using TokenOps.Optimizer.Pipeline;
using TokenOps.Proxy;
using TokenOps.Proxy.Observation;
using TokenOps.Proxy.Optimization;
using TokenOps.Testing.Fakes;

namespace TokenOps.Optimizer.Tests.Proxy;

public sealed class OptimizerProxyTests
{
    private const string Messy = """{"model":"gpt-4o","messages":[{"role":"system","content":"You   are   helpful.\n\n\n\nBe   brief."},{"role":"user","content":"Fix:\n```py\nx  =  1\n```\n\n\n\nThanks    a    lot!"}]}""";

    private sealed class Collecting : IEventPublisher
    {
        public ConcurrentQueue<Envelope> Envelopes { get; } = new();

        public bool TryPublish(Envelope envelope)
        {
            Envelopes.Enqueue(envelope);
            return true;
        }
    }

    private static async Task<(WebApplication App, HttpClient Client)> StartAsync(Uri upstream, OptimizerOptions optimizer, IEventPublisher publisher, bool captureBodies = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSingleton(publisher);
        if (captureBodies)
        {
            // As the daemon does for passive mode: the observer captures the request body the passive hook analyses.
            builder.Services.AddSingleton<IExchangeObserverFactory>(new ExchangeObserverFactory(new ObservationOptions { CaptureBodies = true }, TimeProvider.System));
        }

        builder.Services.AddTokenOpsProxy(new ProxyOptions
        {
            Upstreams = new Dictionary<string, Uri> { ["openai"] = upstream, ["anthropic"] = upstream, ["gemini"] = upstream },
        });
        builder.Services.AddTokenOpsOptimizer(optimizer);
        var app = builder.Build();
        app.MapTokenOpsProxy();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return (app, new HttpClient { BaseAddress = new Uri(address) });
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Events are published off the request path, after the client has its response: wait for them (bounded).</summary>
    private static async Task<Envelope> WaitForAsync(Collecting publisher, string type)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            foreach (var envelope in publisher.Envelopes)
            {
                if (envelope.Type == type)
                {
                    return envelope;
                }
            }

            await Task.Delay(10);
        }

        throw new Xunit.Sdk.XunitException($"no {type} event published within 10 s");
    }

    [Fact]
    public async Task Interactive_HeaderOptIn_UpstreamGetsOptimizedBodyAndResponseNamesKinds()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        var publisher = new Collecting();
        var (app, client) = await StartAsync(upstream.BaseUri, new OptimizerOptions { Enabled = true, LatencyBudgetMs = 10_000 }, publisher);
        await using var _ = app;
        using var __ = client;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/openai/v1/chat/completions") { Content = Json(Messy) };
        request.Headers.Add("X-TokenOps-Optimize", "interactive");
        request.Headers.Add("Authorization", "Bearer sk-test");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("prompt_compress", string.Join(',', response.Headers.GetValues("X-TokenOps-Optimized")));
        var received = upstream.Requests[0];
        var body = (JsonObject)JsonNode.Parse(received.Body!)!;
        Assert.Equal("You are helpful.\n\nBe brief.", TestBodies.Text(body["messages"]![0]!["content"]));
        Assert.Equal("Fix:\n```py\nx  =  1\n```\n\nThanks a lot!", TestBodies.Text(body["messages"]![1]!["content"]));
        Assert.Equal(received.Body!.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), received.Header("Content-Length"));
        Assert.Null(received.Header("X-TokenOps-Optimize"));
        Assert.Equal("Bearer sk-test", received.Header("Authorization"));
        Assert.False(string.IsNullOrEmpty(await response.Content.ReadAsStringAsync()));
        var applied = Assert.Single(publisher.Envelopes, e => e.Type == EventTypes.Optimization);
        Assert.Equal(("prompt_compress", "applied"), (applied.Optimization!.Kind, applied.Optimization.Decision));
        var prompt = await WaitForAsync(publisher, EventTypes.Prompt);
        Assert.False(string.IsNullOrEmpty(applied.Optimization.PromptEventId));
        Assert.Equal(prompt.Id, applied.Optimization.PromptEventId);
        Assert.NotEqual(prompt.Id, applied.Id);
    }

    [Fact]
    public async Task PassiveMode_CapturedBody_OptimizationEventLinksToPromptEvent()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        var publisher = new Collecting();
        var options = new OptimizerOptions { Enabled = true, ScrubCapturedBodies = true };
        var (app, client) = await StartAsync(upstream.BaseUri, options, publisher, captureBodies: true);
        await using var _ = app;
        using var __ = client;

        using var response = await client.PostAsync("/openai/v1/chat/completions", Json(Messy));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Messy, Encoding.UTF8.GetString(upstream.Requests[0].Body!));
        var recommendation = await WaitForAsync(publisher, EventTypes.Optimization);
        var prompt = await WaitForAsync(publisher, EventTypes.Prompt);
        Assert.Equal(("prompt_compress", "skipped"), (recommendation.Optimization!.Kind, recommendation.Optimization.Decision));
        Assert.False(string.IsNullOrEmpty(recommendation.Optimization.PromptEventId));
        Assert.Equal(prompt.Id, recommendation.Optimization.PromptEventId);
        Assert.Null(prompt.Prompt!.CapturedRequestBody);
    }

    [Fact]
    public async Task Interactive_ConfigMode_UnparseableBodyForwardedUntouched()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        var (app, client) = await StartAsync(upstream.BaseUri, new OptimizerOptions { Enabled = true, Mode = OptimizerMode.Interactive }, new Collecting());
        await using var _ = app;
        using var __ = client;
        const string broken = "{\"model\":\"gpt-4o\",\"messages\":[   not json";

        using var response = await client.PostAsync("/openai/v1/chat/completions", Json(broken));

        Assert.False(response.Headers.Contains("X-TokenOps-Optimized"));
        Assert.Equal(broken, Encoding.UTF8.GetString(upstream.Requests[0].Body!));
    }

    [Fact]
    public async Task PassiveMode_NoHeader_RequestForwardedUnchanged()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        var (app, client) = await StartAsync(upstream.BaseUri, new OptimizerOptions { Enabled = true }, new Collecting());
        await using var _ = app;
        using var __ = client;

        using var response = await client.PostAsync("/openai/v1/chat/completions", Json(Messy));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("X-TokenOps-Optimized"));
        Assert.Equal(Messy, Encoding.UTF8.GetString(upstream.Requests[0].Body!));
    }

    [Fact]
    public async Task PassiveHook_CapturedBody_PublishesSkippedEventsAndScrubsBody()
    {
        var publisher = new Collecting();
        var options = new OptimizerOptions { Enabled = true, ScrubCapturedBodies = true };
        var pipeline = new OptimizationPipeline(options, TestBodies.Stamper);
        using var passive = new PassiveOptimizer(pipeline, publisher, new OptimizerMarks(), TimeProvider.System, NullLogger.Instance);
        var promptEvent = new PromptEvent
        {
            Provider = "openai",
            Operation = "chat",
            RequestModel = "gpt-4o",
            StatusCode = 200,
            SessionId = "sess-1",
            CapturedRequestBody = Encoding.UTF8.GetBytes(Messy),
            CapturedResponseBody = [1, 2, 3],
        };

        passive.OnExchangeCompleted(promptEvent);

        Assert.Null(promptEvent.CapturedRequestBody);
        Assert.Null(promptEvent.CapturedResponseBody);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (passive.Processed == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        var envelope = Assert.Single(publisher.Envelopes);
        Assert.Equal(EventTypes.Optimization, envelope.Type);
        Assert.Equal(("prompt_compress", "skipped", "sess-1"), (envelope.Optimization!.Kind, envelope.Optimization.Decision, envelope.Optimization.SessionId));
        Assert.True(envelope.Optimization.EstimatedTokensSaved > 0);
        Assert.NotNull(promptEvent.EnvelopeId);
        Assert.Equal(promptEvent.EnvelopeId, envelope.Optimization.PromptEventId);
        Assert.Equal(promptEvent.EnvelopeId, Envelope.ForPrompt(promptEvent).Id);
    }

    [Fact]
    public async Task PassiveHook_QueueBoundedInBytes_DropsPastTheBoundAndReleasesWhatWasAnalysed()
    {
        var options = new OptimizerOptions { Enabled = true, PassiveQueueMaxBytes = 1000 };
        // The worker is held inside its first analysis (the pipeline's first clock reading) until the bound is checked, so
        // how soon it wakes does not matter: a body counts against the bound until its analysis is over.
        var clock = new HeldClock();
        var pipeline = new OptimizationPipeline(options, TestBodies.Stamper, clock);
        using var passive = new PassiveOptimizer(pipeline, new Collecting(), new OptimizerMarks(), TimeProvider.System, NullLogger.Instance);
        PromptEvent Completed(int bodyBytes) => new()
        {
            Provider = "openai",
            Operation = "chat",
            RequestModel = "gpt-4o",
            StatusCode = 200,
            CapturedRequestBody = Encoding.UTF8.GetBytes(Messy.PadRight(bodyBytes)),
        };

        // Three 400-byte bodies: the third would take the queue over 1000 bytes.
        passive.OnExchangeCompleted(Completed(400));
        passive.OnExchangeCompleted(Completed(400));
        passive.OnExchangeCompleted(Completed(400));
        Assert.Equal(1, passive.Dropped);
        Assert.Equal(800, passive.QueuedBytes);
        clock.Release();
        await WaitAsync(() => passive.Processed == 2);
        Assert.Equal(0, passive.QueuedBytes);

        // A body larger than the bound alone is still analysed when nothing waits.
        passive.OnExchangeCompleted(Completed(5000));
        await WaitAsync(() => passive.Processed == 3);
        Assert.Equal(1, passive.Dropped);
        Assert.Equal(0, passive.QueuedBytes);
        Assert.Equal(0, passive.Failed);
    }

    /// <summary>A clock whose readings wait until <see cref="Release"/>.</summary>
    private sealed class HeldClock : TimeProvider
    {
        private readonly ManualResetEventSlim _released = new(false);

        public void Release() => _released.Set();

        public override long GetTimestamp()
        {
            Assert.True(_released.Wait(TimeSpan.FromSeconds(30)));
            return base.GetTimestamp();
        }
    }

    private static async Task WaitAsync(Func<bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!done() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }

        Assert.True(done());
    }

    [Fact]
    public void PassiveHook_MarkedByInteractive_Ignored()
    {
        var publisher = new Collecting();
        var marks = new OptimizerMarks();
        var pipeline = new OptimizationPipeline(new OptimizerOptions { PassiveQueueCapacity = 1 }, TestBodies.Stamper);
        using var passive = new PassiveOptimizer(pipeline, publisher, marks, TimeProvider.System, NullLogger.Instance);
        var promptEvent = new PromptEvent { Provider = "openai", Operation = "chat", StatusCode = 200, CapturedRequestBody = Encoding.UTF8.GetBytes(Messy) };
        marks.Mark(promptEvent);

        passive.OnExchangeCompleted(promptEvent);

        Assert.NotNull(promptEvent.CapturedRequestBody);
        Assert.Equal(0, passive.Dropped);
        Assert.Empty(publisher.Envelopes);
    }
}
