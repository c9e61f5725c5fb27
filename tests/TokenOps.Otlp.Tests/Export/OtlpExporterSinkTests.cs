using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using TokenOps.Core.Events;
using TokenOps.Otlp.Configuration;
using TokenOps.Otlp.Export;
using TokenOps.Otlp.Tests.Support;

namespace TokenOps.Otlp.Tests.Export;

public sealed class OtlpExporterSinkTests
{
    private static OtlpOptions Options(string endpoint, OtlpProtocol protocol = OtlpProtocol.HttpProtobuf) => new()
    {
        Enabled = true,
        Endpoint = endpoint,
        Protocol = protocol,
        MetricsInterval = TimeSpan.Zero,
        InitialBackoff = TimeSpan.FromMilliseconds(20),
        MaxBackoff = TimeSpan.FromMilliseconds(100),
        FlushTimeout = TimeSpan.FromSeconds(10),
    };

    private static async Task<DecodedSpan> ExportOneAsync(OtlpReceiver receiver, OtlpOptions options, PromptEvent prompt, Envelope? envelope = null)
    {
        await using var sink = new OtlpExporterSink(options);
        await sink.WriteBatchAsync([envelope ?? Envelope.ForPrompt(prompt)], CancellationToken.None);
        await sink.FlushAsync(CancellationToken.None);
        var traces = receiver.Where("traces");
        var request = Assert.Single(traces);
        return Assert.Single(request.Decode().Spans);
    }

    [Theory]
    [InlineData("openai", OtlpProtocol.HttpProtobuf)]
    [InlineData("openai", OtlpProtocol.HttpJson)]
    [InlineData("anthropic", OtlpProtocol.HttpProtobuf)]
    [InlineData("anthropic", OtlpProtocol.HttpJson)]
    [InlineData("gemini", OtlpProtocol.HttpProtobuf)]
    [InlineData("gemini", OtlpProtocol.HttpJson)]
    public async Task WriteBatchAsync_PromptFromEachProvider_ReceiverDecodesEveryAttribute(string provider, OtlpProtocol protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var prompt = PromptFixtures.For(provider);
        var envelope = Envelope.ForPrompt(prompt);

        var span = await ExportOneAsync(receiver, Options(receiver.BaseUrl, protocol), prompt, envelope);

        var request = Assert.Single(receiver.Where("traces"));
        Assert.Equal("/v1/traces", request.Path);
        Assert.Equal(protocol == OtlpProtocol.HttpJson ? "application/json" : "application/x-protobuf", request.ContentType);

        var (operation, providerName, host) = provider switch
        {
            "openai" => ("chat", "openai", "api.openai.com"),
            "anthropic" => ("chat", "anthropic", "api.anthropic.com"),
            _ => ("generate_content", "gcp.gemini", "generativelanguage.googleapis.com"),
        };
        Assert.Equal(operation + " " + prompt.RequestModel, span.Name);
        Assert.Equal(3, span.Kind); // SPAN_KIND_CLIENT
        var startNs = (ulong)(PromptFixtures.Start - DateTimeOffset.UnixEpoch).Ticks * 100UL;
        Assert.Equal(startNs, span.StartTimeUnixNano);
        Assert.Equal(startNs + (ulong)(prompt.LatencyMs * 1_000_000), span.EndTimeUnixNano);
        Assert.Equal(32, span.TraceId.Length);
        Assert.Equal(16, span.SpanId.Length);
        Assert.Equal("", span.ParentSpanId);
        Assert.Equal(0, span.StatusCode);

        var expected = new Dictionary<string, object>
        {
            ["gen_ai.operation.name"] = operation,
            ["gen_ai.provider.name"] = providerName,
            ["gen_ai.request.model"] = prompt.RequestModel!,
            ["gen_ai.response.model"] = prompt.ResponseModel!,
            ["gen_ai.response.id"] = prompt.ResponseId!,
            ["gen_ai.response.finish_reasons"] = new[] { prompt.FinishReason! },
            ["gen_ai.request.max_tokens"] = (long)prompt.MaxTokens!.Value,
            ["gen_ai.usage.input_tokens"] = prompt.InputTokens!.Value,
            ["gen_ai.usage.output_tokens"] = prompt.OutputTokens!.Value,
            ["gen_ai.conversation.id"] = prompt.SessionId!,
            ["server.address"] = host,
            ["server.port"] = 443L,
            ["http.response.status_code"] = 200L,
            ["tokenops.cache_hit"] = prompt.CacheHit,
            ["tokenops.stream"] = prompt.Stream,
            ["tokenops.workflow_id"] = prompt.WorkflowId!,
            ["tokenops.agent_id"] = prompt.AgentId!,
            ["tokenops.user_id"] = prompt.UserId!,
            ["tokenops.usage_source"] = prompt.UsageSource,
            ["tokenops.pricing_status"] = prompt.PricingStatus!,
            ["tokenops.prompt_hash"] = prompt.PromptHash!,
            ["tokenops.event_id"] = envelope.Id,
            ["tokenops.source"] = "proxy",
        };
        if (prompt.CachedInputTokens is { } cached)
        {
            expected["gen_ai.usage.cache_read.input_tokens"] = cached;
        }

        if (prompt.CacheWriteInputTokens is { } written)
        {
            expected["gen_ai.usage.cache_creation.input_tokens"] = written;
        }

        if (prompt.ReasoningTokens is { } reasoning)
        {
            expected["gen_ai.usage.reasoning.output_tokens"] = reasoning;
        }

        if (prompt.CostUsd is { } cost)
        {
            expected["tokenops.cost_usd"] = (double)cost;
        }

        if (prompt.SavedUsd is { } saved)
        {
            expected["tokenops.saved_usd"] = (double)saved;
        }

        if (prompt.TimeToFirstTokenMs is { } ttft)
        {
            expected["tokenops.time_to_first_token_ms"] = ttft;
        }

        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), span.Attributes.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in expected)
        {
            Assert.Equal(value, span.Attributes[key]);
        }

        var decoded = request.Decode();
        Assert.Equal("tokenops", decoded.Resource["service.name"]);
        Assert.Equal("dotnet", decoded.Resource["telemetry.sdk.language"]);
        Assert.Equal("tokenops", decoded.Resource["telemetry.sdk.name"]);
        Assert.True(decoded.Resource.ContainsKey("service.version"));
        Assert.True(decoded.Resource.ContainsKey("telemetry.sdk.version"));
        Assert.Equal("TokenOps.Otlp", decoded.ScopeName);
        Assert.Equal("https://opentelemetry.io/schemas/1.40.0", decoded.SchemaUrl);
    }

    [Fact]
    public async Task WriteBatchAsync_TraceparentOnEvent_ReusesTraceIdAndParentsTheNewSpan()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var prompt = PromptFixtures.For("openai");
        prompt.TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        prompt.SpanId = "00f067aa0ba902b7";

        var span = await ExportOneAsync(receiver, Options(receiver.BaseUrl), prompt);

        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", span.TraceId);
        Assert.Equal("00f067aa0ba902b7", span.ParentSpanId);
        Assert.NotEqual("00f067aa0ba902b7", span.SpanId);
        Assert.NotEqual("0000000000000000", span.SpanId);
    }

    [Theory]
    [InlineData(OtlpProtocol.HttpProtobuf)]
    [InlineData(OtlpProtocol.HttpJson)]
    public async Task WriteBatchAsync_ProviderError_SetsErrorTypeAndErrorStatus(OtlpProtocol protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var prompt = PromptFixtures.For("anthropic");
        prompt.StatusCode = 429;
        prompt.ErrorType = "rate_limit_error";
        prompt.InputTokens = null;
        prompt.OutputTokens = null;

        var span = await ExportOneAsync(receiver, Options(receiver.BaseUrl, protocol), prompt);

        Assert.Equal("rate_limit_error", span.Attributes["error.type"]);
        Assert.Equal(429L, span.Attributes["http.response.status_code"]);
        Assert.Equal(2, span.StatusCode); // STATUS_CODE_ERROR
        Assert.Contains("429", span.StatusMessage, StringComparison.Ordinal);
        Assert.False(span.Attributes.ContainsKey("gen_ai.usage.input_tokens"));
    }

    [Fact]
    public async Task WriteBatchAsync_ProxyFailureWithoutProviderError_UsesProxyErrorAsErrorType()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var prompt = PromptFixtures.For("openai");
        prompt.StatusCode = 502;
        prompt.ProxyError = "UpstreamConnectFailed";

        var span = await ExportOneAsync(receiver, Options(receiver.BaseUrl), prompt);

        Assert.Equal("UpstreamConnectFailed", span.Attributes["error.type"]);
        Assert.Equal(2, span.StatusCode);

        prompt.ProxyError = null;
        await using var receiver2 = await OtlpReceiver.StartAsync();
        var span2 = await ExportOneAsync(receiver2, Options(receiver2.BaseUrl), prompt);
        Assert.Equal("502", span2.Attributes["error.type"]);
    }

    [Fact]
    public async Task WriteBatchAsync_LegacySemconv_AddsOldNamesBesideCurrentOnes()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var prompt = PromptFixtures.For("gemini");

        var span = await ExportOneAsync(receiver, Options(receiver.BaseUrl) with { Semconv = OtlpSemconv.Legacy }, prompt);

        Assert.Equal("gemini", span.Attributes["gen_ai.system"]);
        Assert.Equal(900L, span.Attributes["gen_ai.usage.prompt_tokens"]);
        Assert.Equal(150L, span.Attributes["gen_ai.usage.completion_tokens"]);
        Assert.Equal("gcp.gemini", span.Attributes["gen_ai.provider.name"]);
        Assert.Equal(900L, span.Attributes["gen_ai.usage.input_tokens"]);
    }

    [Fact]
    public async Task WriteBatchAsync_CurrentSemconv_DoesNotEmitLegacyNames()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var span = await ExportOneAsync(receiver, Options(receiver.BaseUrl), PromptFixtures.For("gemini"));
        Assert.False(span.Attributes.ContainsKey("gen_ai.system"));
        Assert.False(span.Attributes.ContainsKey("gen_ai.usage.prompt_tokens"));
    }

    [Fact]
    public async Task WriteBatchAsync_ConfiguredProviderUrlAndHeadersAndResource_AreApplied()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var options = Options(receiver.BaseUrl) with
        {
            ProviderUrls = new Dictionary<string, string> { ["openai"] = "http://llm-gateway.internal:8080/openai" },
            Headers = new Dictionary<string, string> { ["x-team-key"] = "k1" },
            ServiceName = "dev-laptop-tokenops",
            ResourceAttributes = new Dictionary<string, string> { ["deployment.environment.name"] = "dev" },
        };

        var span = await ExportOneAsync(receiver, options, PromptFixtures.For("openai"));

        Assert.Equal("llm-gateway.internal", span.Attributes["server.address"]);
        Assert.Equal(8080L, span.Attributes["server.port"]);
        var request = Assert.Single(receiver.Where("traces"));
        Assert.Equal("k1", request.Headers["x-team-key"]);
        var decoded = request.Decode();
        Assert.Equal("dev-laptop-tokenops", decoded.Resource["service.name"]);
        Assert.Equal("dev", decoded.Resource["deployment.environment.name"]);
    }

    [Theory]
    [InlineData(OtlpProtocol.HttpProtobuf)]
    [InlineData(OtlpProtocol.HttpJson)]
    public async Task WriteBatchAsync_Prompts_ExportsCumulativeGenAiMetrics(OtlpProtocol protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var options = Options(receiver.BaseUrl, protocol) with { MetricsInterval = TimeSpan.FromHours(1) };
        var a = PromptFixtures.For("openai"); // streamed, 1234.5 ms, ttft 410.25 ms, $0.0123
        var b = PromptFixtures.For("openai");
        b.LatencyMs = 50;
        b.InputTokens = 10;
        b.OutputTokens = 5;
        b.TimeToFirstTokenMs = 30;
        b.CostUsd = 0.0077m;

        await using (var sink = new OtlpExporterSink(options))
        {
            await sink.WriteBatchAsync([Envelope.ForPrompt(a), Envelope.ForPrompt(b)], CancellationToken.None);
            await sink.FlushAsync(CancellationToken.None); // final cumulative snapshot on shutdown
            Assert.True(sink.GetStatus().SentMetricPoints > 0);
        }

        var metricsRequest = Assert.Single(receiver.Where("metrics"));
        Assert.Equal("/v1/metrics", metricsRequest.Path);
        var metrics = metricsRequest.Decode().Metrics.ToDictionary(m => m.Name);

        var duration = metrics["gen_ai.client.operation.duration"];
        Assert.Equal("s", duration.Unit);
        Assert.Equal("histogram", duration.Type);
        Assert.Equal(2, duration.Temporality); // CUMULATIVE
        var dp = Assert.Single(duration.Points);
        Assert.Equal(2UL, dp.Count);
        Assert.Equal(1.2845, dp.Sum, 9);
        Assert.Equal(new[] { 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92 }, dp.Bounds);
        Assert.Equal(15, dp.BucketCounts.Length);
        Assert.Equal(1UL, dp.BucketCounts[3]); // 0.05 s in (0.04, 0.08]
        Assert.Equal(1UL, dp.BucketCounts[7]); // 1.2345 s in (0.64, 1.28]
        Assert.Equal(2UL, dp.BucketCounts.Aggregate(0UL, (x, y) => x + y));
        Assert.Equal("chat", dp.Attributes["gen_ai.operation.name"]);
        Assert.Equal("openai", dp.Attributes["gen_ai.provider.name"]);
        Assert.Equal("o4-mini", dp.Attributes["gen_ai.request.model"]);
        Assert.Equal("api.openai.com", dp.Attributes["server.address"]);

        var tokens = metrics["gen_ai.client.token.usage"];
        Assert.Equal("{token}", tokens.Unit);
        var input = Assert.Single(tokens.Points, p => (string)p.Attributes["gen_ai.token.type"] == "input");
        var output = Assert.Single(tokens.Points, p => (string)p.Attributes["gen_ai.token.type"] == "output");
        Assert.Equal(2UL, input.Count);
        Assert.Equal(1210d, input.Sum);
        Assert.Equal(305d, output.Sum);

        var ttfc = metrics["gen_ai.client.operation.time_to_first_chunk"];
        var tp = Assert.Single(ttfc.Points);
        Assert.Equal(2UL, tp.Count);
        Assert.Equal(0.44025, tp.Sum, 9);

        var cost = metrics["tokenops.cost"];
        Assert.Equal("sum", cost.Type);
        Assert.True(cost.IsMonotonic);
        Assert.Equal(2, cost.Temporality);
        Assert.Equal("USD", cost.Unit);
        Assert.Equal(0.02, Assert.Single(cost.Points).Value, 9);
    }

    [Fact]
    public async Task WriteBatchAsync_NonStreamingPrompt_RecordsNoTimeToFirstChunk()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var prompt = PromptFixtures.For("anthropic"); // Stream = false
        prompt.TimeToFirstTokenMs = 99;
        await using (var sink = new OtlpExporterSink(Options(receiver.BaseUrl)))
        {
            await sink.WriteBatchAsync([Envelope.ForPrompt(prompt)], CancellationToken.None);
            await sink.FlushAsync(CancellationToken.None);
        }

        var names = receiver.Where("metrics").SelectMany(r => r.Decode().Metrics).Select(m => m.Name).ToHashSet();
        Assert.Contains("gen_ai.client.operation.duration", names);
        Assert.DoesNotContain("gen_ai.client.operation.time_to_first_chunk", names);
    }

    [Theory]
    [InlineData(OtlpProtocol.HttpProtobuf)]
    [InlineData(OtlpProtocol.HttpJson)]
    public async Task WriteBatchAsync_NonPromptEnvelope_IsExportedAsLogRecord(OtlpProtocol protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var envelope = new Envelope
        {
            Type = EventTypes.Optimization,
            Timestamp = PromptFixtures.Start,
            Source = EventSources.Proxy,
            Attributes = new Dictionary<string, string> { ["kind"] = "prompt_compress", ["note"] = "key=sk-proj-abcdefghijklmnopqrstuvwx" },
        };

        await using (var sink = new OtlpExporterSink(Options(receiver.BaseUrl, protocol)))
        {
            await sink.WriteBatchAsync([envelope], CancellationToken.None);
            await sink.FlushAsync(CancellationToken.None);
            Assert.Equal(1, sink.GetStatus().SentLogRecords);
        }

        var request = Assert.Single(receiver.Where("logs"));
        Assert.Equal("/v1/logs", request.Path);
        var log = Assert.Single(request.Decode().Logs);
        Assert.Equal("tokenops.optimization", log.EventName);
        Assert.Equal(9, log.Severity);
        Assert.Equal((ulong)(PromptFixtures.Start - DateTimeOffset.UnixEpoch).Ticks * 100UL, log.TimeUnixNano);
        Assert.Equal("prompt_compress", log.Attributes["tokenops.kind"]);
        Assert.Equal(envelope.Id, log.Attributes["tokenops.event_id"]);
        Assert.DoesNotContain("sk-proj-abcdefghijklmnopqrstuvwx", (string)log.Attributes["tokenops.note"], StringComparison.Ordinal);
        Assert.Empty(receiver.Where("traces"));
    }

    [Fact]
    public async Task WriteBatchAsync_DefaultOptions_NeverExportsContent()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var prompt = PromptFixtures.For("openai");
        prompt.CapturedRequestBody = "{\"input\":\"the secret prompt text\"}"u8.ToArray();
        prompt.CapturedResponseBody = "{\"output\":\"the private answer\"}"u8.ToArray();

        var span = await ExportOneAsync(receiver, Options(receiver.BaseUrl), prompt);

        Assert.False(span.Attributes.ContainsKey("tokenops.request.body"));
        Assert.False(span.Attributes.ContainsKey("tokenops.response.body"));
        var raw = System.Text.Encoding.UTF8.GetString(Assert.Single(receiver.Where("traces")).Body);
        Assert.DoesNotContain("secret prompt text", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("private answer", raw, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(OtlpProtocol.HttpProtobuf)]
    [InlineData(OtlpProtocol.HttpJson)]
    public async Task WriteBatchAsync_IncludeContent_ExportsBodiesWithKeysRedacted(OtlpProtocol protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var prompt = PromptFixtures.For("openai");
        const string Key = "sk-proj-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2";
        prompt.CapturedRequestBody = System.Text.Encoding.UTF8.GetBytes("{\"api_key\":\"hunter22secret\",\"input\":\"the prompt text, my key is " + Key + "\"}");
        prompt.CapturedResponseBody = "{\"output\":\"the answer\"}"u8.ToArray();

        var span = await ExportOneAsync(receiver, Options(receiver.BaseUrl, protocol) with { IncludeContent = true }, prompt);

        var request = (string)span.Attributes["tokenops.request.body"];
        Assert.Contains("the prompt text, my key is [REDACTED]", request, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, request, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter22secret", request, StringComparison.Ordinal);
        Assert.Equal("{\"output\":\"the answer\"}", span.Attributes["tokenops.response.body"]);
        var raw = System.Text.Encoding.UTF8.GetString(Assert.Single(receiver.Where("traces")).Body);
        Assert.DoesNotContain(Key, raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteBatchAsync_503Then200_DeliversTheBatchExactlyOnce()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        receiver.Respond = (i, path) => path == "/v1/traces" && i == 0 ? (503, null) : (200, null);
        await using var sink = new OtlpExporterSink(Options(receiver.BaseUrl) with { MetricsInterval = TimeSpan.FromHours(1) });

        await sink.WriteBatchAsync([Envelope.ForPrompt(PromptFixtures.For("openai"))], CancellationToken.None);
        await Eventually.TrueAsync(() => sink.GetStatus().SentSpans == 1, "span delivered after the 503");

        var status = sink.GetStatus();
        Assert.Equal(1, status.Retries);
        Assert.Equal(1, status.FailedRequests);
        Assert.Equal(0, status.DroppedSpans);
        Assert.Equal(2, receiver.Requests.Count(r => r.Signal == "traces"));
        Assert.Single(receiver.Where("traces"));
        Assert.Contains("503", status.LastError, StringComparison.Ordinal);
        Assert.NotNull(status.LastSuccessAt);
    }

    [Fact]
    public async Task WriteBatchAsync_400_IsNotRetriedAndCountsDrop()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        receiver.Respond = (_, _) => (400, null);
        await using var sink = new OtlpExporterSink(Options(receiver.BaseUrl) with { MetricsInterval = TimeSpan.FromHours(1) });

        await sink.WriteBatchAsync([Envelope.ForPrompt(PromptFixtures.For("openai")), Envelope.ForPrompt(PromptFixtures.For("gemini"))], CancellationToken.None);
        await Eventually.TrueAsync(() => sink.GetStatus().DroppedSpans == 2, "rejected batch counted as dropped");

        Assert.Equal(0, sink.GetStatus().Retries);
        Assert.Single(receiver.Requests, r => r.Signal == "traces");
    }

    [Fact]
    public async Task WriteBatchAsync_429WithRetryAfterSeconds_WaitsExactlyThatLongOnTheClock()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        receiver.Respond = (i, path) => path == "/v1/traces" && i == 0 ? (429, "1") : (200, null);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var sink = new OtlpExporterSink(Options(receiver.BaseUrl) with { MetricsInterval = TimeSpan.FromHours(1) }, time);

        await sink.WriteBatchAsync([Envelope.ForPrompt(PromptFixtures.For("anthropic"))], CancellationToken.None);
        await Eventually.TrueAsync(() => sink.GetStatus().Retries == 1, "429 scheduled a retry");

        Assert.Equal(TimeSpan.FromSeconds(1), sink.GetStatus().LastRetryDelay);
        time.Advance(TimeSpan.FromMilliseconds(999));
        await Task.Delay(300);
        Assert.Single(receiver.Requests, r => r.Signal == "traces"); // not retried before Retry-After elapsed
        Assert.Equal(0, sink.GetStatus().SentSpans);

        time.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually.TrueAsync(() => sink.GetStatus().SentSpans == 1, "retried once Retry-After elapsed");
        Assert.Equal(2, receiver.Requests.Count(r => r.Signal == "traces"));
    }

    [Fact]
    public async Task WriteBatchAsync_503WithRetryAfterHttpDate_WaitsUntilThatDate()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var now = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        receiver.Respond = (i, path) => path == "/v1/traces" && i == 0 ? (503, now.AddSeconds(7).ToString("R")) : (200, null);
        var time = new FakeTimeProvider(now);
        await using var sink = new OtlpExporterSink(Options(receiver.BaseUrl) with { MetricsInterval = TimeSpan.FromHours(1) }, time);

        await sink.WriteBatchAsync([Envelope.ForPrompt(PromptFixtures.For("openai"))], CancellationToken.None);
        await Eventually.TrueAsync(() => sink.GetStatus().Retries == 1, "503 scheduled a retry");

        Assert.Equal(TimeSpan.FromSeconds(7), sink.GetStatus().LastRetryDelay);
        time.Advance(TimeSpan.FromSeconds(7));
        await Eventually.TrueAsync(() => sink.GetStatus().SentSpans == 1, "retried at the Retry-After date");
    }

    [Fact]
    public async Task WriteBatchAsync_CollectorDown_ReturnsImmediatelyRetriesThenCountsDrops()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var options = Options(OtlpReceiver.ClosedPortUrl()) with
        {
            InitialBackoff = TimeSpan.FromSeconds(1),
            MaxBackoff = TimeSpan.FromSeconds(4),
            MaxRetryElapsed = TimeSpan.FromSeconds(20),
            MetricsInterval = TimeSpan.FromHours(1),
        };
        await using var sink = new OtlpExporterSink(options, time);
        var batch = new[] { Envelope.ForPrompt(PromptFixtures.For("openai")), Envelope.ForPrompt(PromptFixtures.For("anthropic")) };

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 100; i++)
        {
            await sink.WriteBatchAsync(batch, CancellationToken.None);
        }

        watch.Stop();
        Assert.True(watch.ElapsedMilliseconds < 1000, $"100 WriteBatchAsync calls took {watch.ElapsedMilliseconds} ms with the collector down");

        // Drive the fake clock through the backoff schedule until the first batch is given up on.
        await Eventually.TrueAsync(
            () =>
            {
                time.Advance(TimeSpan.FromSeconds(1));
                return sink.GetStatus().DroppedSpans >= 2;
            },
            "first batch dropped after max retry elapsed");

        var status = sink.GetStatus();
        Assert.True(status.Retries >= 2, $"retries={status.Retries}");
        Assert.True(status.FailedRequests >= status.Retries + 1);
        Assert.Equal(0, status.SentSpans);
        Assert.NotNull(status.LastError);
        Assert.NotNull(status.LastErrorAt);
        await ShutdownWithRealDeadlineAsync(sink);
        Assert.Equal(200, sink.GetStatus().DroppedSpans); // nothing is lost silently: every span is accounted as dropped
    }

    /// <summary>Shutdown with the collector still down: the caller's deadline ends the drain, pending spans are counted as dropped.</summary>
    private static async Task ShutdownWithRealDeadlineAsync(OtlpExporterSink sink)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        await sink.FlushAsync(deadline.Token);
    }

    [Fact]
    public async Task WriteBatchAsync_QueueFullWhileCollectorDown_DropsOldestAndCountsExactly()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var options = Options(OtlpReceiver.ClosedPortUrl()) with
        {
            InitialBackoff = TimeSpan.FromSeconds(10),
            MaxBackoff = TimeSpan.FromSeconds(10),
            MaxQueuedBatches = 2,
            MetricsInterval = TimeSpan.FromHours(1),
        };
        await using var sink = new OtlpExporterSink(options, time);
        await sink.WriteBatchAsync([Envelope.ForPrompt(PromptFixtures.For("openai"))], CancellationToken.None);
        await Eventually.TrueAsync(() => sink.GetStatus().Retries == 1, "first batch in flight, waiting to retry");

        for (var i = 0; i < 5; i++)
        {
            await sink.WriteBatchAsync([Envelope.ForPrompt(PromptFixtures.For("gemini"))], CancellationToken.None);
        }

        var status = sink.GetStatus();
        Assert.Equal(2, status.QueuedBatches);
        Assert.Equal(2, status.QueuedSpans);
        Assert.Equal(3, status.DroppedSpans); // 5 written into a queue of 2: the 3 oldest were dropped
        Assert.Contains("queue full", status.LastError, StringComparison.Ordinal);

        await ShutdownWithRealDeadlineAsync(sink);
        Assert.Equal(6, sink.GetStatus().DroppedSpans); // in-flight + the 2 queued are dropped at the shutdown deadline
        Assert.Equal(0, sink.GetStatus().QueuedBatches);
    }

    [Fact]
    public async Task FlushAsync_CollectorDown_ReturnsWithinFlushTimeoutAndCountsPendingAsDropped()
    {
        var options = Options(OtlpReceiver.ClosedPortUrl()) with
        {
            InitialBackoff = TimeSpan.FromSeconds(30),
            MaxBackoff = TimeSpan.FromSeconds(30),
            FlushTimeout = TimeSpan.FromMilliseconds(300),
            MetricsInterval = TimeSpan.FromHours(1),
        };
        var sink = new OtlpExporterSink(options);
        for (var i = 0; i < 3; i++)
        {
            await sink.WriteBatchAsync([Envelope.ForPrompt(PromptFixtures.For("openai"))], CancellationToken.None);
        }

        var watch = Stopwatch.StartNew();
        await sink.FlushAsync(CancellationToken.None);
        watch.Stop();

        Assert.True(watch.ElapsedMilliseconds < 5000, $"flush took {watch.ElapsedMilliseconds} ms");
        var status = sink.GetStatus();
        Assert.Equal(3, status.DroppedSpans);
        Assert.Equal(0, status.QueuedSpans);
        Assert.Equal(0, status.QueuedBatches);
        await sink.DisposeAsync();
    }

    [Fact]
    public async Task WriteBatchAsync_Disabled_SendsNothing()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using (var sink = new OtlpExporterSink(Options(receiver.BaseUrl) with { Enabled = false }))
        {
            await sink.WriteBatchAsync([Envelope.ForPrompt(PromptFixtures.For("openai"))], CancellationToken.None);
            await sink.FlushAsync(CancellationToken.None);
            Assert.False(sink.GetStatus().Enabled);
            Assert.Equal(0, sink.GetStatus().QueuedSpans);
        }

        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task WriteBatchAsync_ManyBatches_AllSpansArriveOnceEach()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var ids = new HashSet<string>();
        await using (var sink = new OtlpExporterSink(Options(receiver.BaseUrl) with { MetricsInterval = TimeSpan.FromHours(1) }))
        {
            for (var i = 0; i < 50; i++)
            {
                var batch = new List<Envelope>();
                for (var j = 0; j < 4; j++)
                {
                    var envelope = Envelope.ForPrompt(PromptFixtures.For(j % 2 == 0 ? "openai" : "gemini"));
                    ids.Add(envelope.Id);
                    batch.Add(envelope);
                }

                await sink.WriteBatchAsync(batch, CancellationToken.None);
            }

            await sink.FlushAsync(CancellationToken.None);
            Assert.Equal(200, sink.GetStatus().SentSpans);
        }

        var received = receiver.Where("traces").SelectMany(r => r.Decode().Spans).Select(s => (string)s.Attributes["tokenops.event_id"]).ToList();
        Assert.Equal(200, received.Count);
        Assert.True(ids.SetEquals(received));
    }
}
