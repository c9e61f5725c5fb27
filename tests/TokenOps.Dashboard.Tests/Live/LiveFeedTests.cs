using System.Diagnostics;
using System.Net;
using TokenOps.Core.Events;
using TokenOps.Dashboard.Live;

namespace TokenOps.Dashboard.Tests.Live;

public sealed class LiveFeedTests
{
    private static Envelope Prompt(string model = "gpt-4o") => Envelope.ForPrompt(new PromptEvent
    {
        Provider = "openai",
        Operation = "chat",
        RequestModel = model,
        StartedAt = DateTimeOffset.UnixEpoch.AddDays(20000),
        StatusCode = 200,
        InputTokens = 12,
        OutputTokens = 3,
        CostUsd = 0.000042m,
        LatencyMs = 123.456,
    });

    [Fact]
    public async Task Live_EventWrittenToSink_ArrivesAsServerSentEvent()
    {
        await using var fixture = new DashboardFixture();
        await fixture.StartAsync();
        using var client = fixture.Client();
        using var response = await client.GetAsync(new Uri("api/dashboard/live", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("retry: 2000", await reader.ReadLineAsync());

        var sent = Prompt();
        await fixture.Live.WriteBatchAsync([sent, Envelope.ForWorkflow(new WorkflowEvent(), DateTimeOffset.UnixEpoch)], CancellationToken.None);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        string? line;
        while ((line = await reader.ReadLineAsync(timeout.Token)) is not null && line != "event: prompt")
        {
        }

        var data = await reader.ReadLineAsync(timeout.Token);
        Assert.StartsWith("data: {", data, StringComparison.Ordinal);
        Assert.Contains($"\"id\":\"{sent.Id}\"", data, StringComparison.Ordinal);
        Assert.Contains("\"model\":\"gpt-4o\"", data, StringComparison.Ordinal);
        Assert.Contains("\"cost_usd\":0.000042", data, StringComparison.Ordinal);
        Assert.Equal(1, fixture.Live.Published);
    }

    [Fact]
    public async Task Live_IdleStream_GetsHeartbeats()
    {
        await using var fixture = new DashboardFixture();
        await fixture.StartAsync();
        using var client = fixture.Client();
        using var response = await client.GetAsync(new Uri("api/dashboard/live", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));

        string? line;
        while ((line = await reader.ReadLineAsync(timeout.Token)) is not null && line != ": keep-alive")
        {
        }

        Assert.Equal(": keep-alive", line);
    }

    [Fact]
    public async Task Sink_SlowSubscriber_DropsOldestAndNeverBlocks()
    {
        var sink = new LiveFeedSink(new DashboardOptions { Home = Path.GetTempPath(), LiveQueueCapacity = 4 });
        using var subscription = sink.Subscribe()!;
        var batch = new Envelope[10];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = Prompt("m" + i);
        }

        var started = Stopwatch.GetTimestamp();
        await sink.WriteBatchAsync(batch, CancellationToken.None);

        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(1));
        Assert.Equal(6, sink.Dropped);
        var kept = new List<string>();
        while (subscription.Reader.TryRead(out var payload))
        {
            kept.Add(System.Text.Encoding.UTF8.GetString(payload));
        }

        Assert.Equal(4, kept.Count);
        Assert.Contains("\"model\":\"m6\"", kept[0], StringComparison.Ordinal); // the newest four survive
        Assert.Contains("\"model\":\"m9\"", kept[3], StringComparison.Ordinal);
    }

    [Fact]
    public void Sink_SubscriberLimit_ReturnsNullAndDisposeFreesASlot()
    {
        var sink = new LiveFeedSink(new DashboardOptions { Home = Path.GetTempPath(), MaxLiveSubscribers = 2 });
        var a = sink.Subscribe();
        using var b = sink.Subscribe();

        Assert.NotNull(a);
        Assert.NotNull(b);
        Assert.Null(sink.Subscribe());
        a!.Dispose();
        Assert.Equal(1, sink.SubscriberCount);
        using var c = sink.Subscribe();
        Assert.NotNull(c);
    }

    [Fact]
    public async Task Sink_Flush_CompletesSubscribers()
    {
        var sink = new LiveFeedSink(new DashboardOptions { Home = Path.GetTempPath() });
        using var subscription = sink.Subscribe()!;

        await sink.FlushAsync(CancellationToken.None);

        Assert.False(await subscription.Reader.WaitToReadAsync());
        Assert.Equal(0, sink.SubscriberCount);
    }
}
