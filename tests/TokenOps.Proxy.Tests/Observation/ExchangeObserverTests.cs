using System.Security.Cryptography;
using System.Text;
using TokenOps.Core.Events;
using TokenOps.Proxy.Observation;

namespace TokenOps.Proxy.Tests.Observation;

public sealed class ExchangeObserverTests
{
    private static PromptEvent RunRequest(string provider, string path, string request, ObservationOptions? options = null) =>
        ObserverHarness.Run(provider, path, request, 200, "application/json", null, [], options);

    private static string Sha256(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));

    [Fact]
    public void Complete_OpenAIChatRequest_AllRequestFields()
    {
        const string body = """{"model":"gpt-4o","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"What is the capital of France?"}],"stream":true,"max_completion_tokens":500}""";
        var e = RunRequest("openai", "/v1/chat/completions", body);
        Assert.Equal("openai", e.Provider);
        Assert.Equal("POST", e.Method);
        Assert.Equal("/v1/chat/completions", e.Path);
        Assert.Equal("chat", e.Operation);
        Assert.Equal("gpt-4o", e.RequestModel);
        Assert.True(e.Stream);
        Assert.Equal(500, e.MaxTokens);
        Assert.Equal(2, e.MessageCount);
        Assert.Equal(24, e.EstimatedInputTokens); // js-tiktoken: 6 + 7 + roles 2 + 3×2 + 3
        Assert.Equal("o200k_base", e.Tokenizer);
        Assert.True(e.TokenizerExact);
        Assert.Equal(Sha256(body), e.PromptHash);
        Assert.Equal(Encoding.UTF8.GetByteCount(body), e.RequestBytes);
        Assert.Null(e.CapturedRequestBody);
    }

    [Fact]
    public void Complete_OpenAIResponsesAndEmbeddings_OperationsLimitsCounts()
    {
        var r = RunRequest("openai", "/v1/responses", """{"model":"gpt-5","input":[{"role":"user","content":"Hi"},{"role":"user","content":"Again"}],"max_output_tokens":64}""");
        Assert.Equal("responses", r.Operation);
        Assert.Equal(64, r.MaxTokens);
        Assert.Equal(2, r.MessageCount);
        Assert.False(r.Stream);

        var m = RunRequest("openai", "/v1/embeddings", """{"model":"text-embedding-3-small","input":["Hello, world!","I like turtles"]}""");
        Assert.Equal("embeddings", m.Operation);
        Assert.Equal(2, m.MessageCount);
        Assert.Equal(7, m.EstimatedInputTokens); // js-tiktoken cl100k: 4 + 3
        Assert.Equal("cl100k_base", m.Tokenizer);
    }

    [Fact]
    public void Complete_AnthropicRequest_EstimateLabelled()
    {
        const string body = """{"model":"claude-sonnet-4-5","max_tokens":1024,"system":"The food was delicious and the waiter was friendly.","messages":[{"role":"user","content":"Hello there"},{"role":"assistant","content":"Hi"},{"role":"user","content":"Hello there"}],"stream":true}""";
        var e = RunRequest("anthropic", "/v1/messages", body);
        Assert.Equal("messages", e.Operation);
        Assert.Equal("claude-sonnet-4-5", e.RequestModel);
        Assert.True(e.Stream);
        Assert.Equal(1024, e.MaxTokens);
        Assert.Equal(3, e.MessageCount);
        Assert.Equal("estimate:anthropic", e.Tokenizer);
        Assert.False(e.TokenizerExact);
        // o200k: 10 + 2 + "Hi" 1 + 2 = 15 → ceil(15 × 1.2) = 18.
        Assert.Equal(18, e.EstimatedInputTokens);
    }

    [Fact]
    public void Complete_GeminiStreamRequest_ModelFromPathStreamFromAction()
    {
        var e = RunRequest("gemini", "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse", ObserverHarness.GeminiRequest);
        Assert.Equal("streamGenerateContent", e.Operation);
        Assert.Equal("/v1beta/models/gemini-2.5-pro:streamGenerateContent", e.Path); // no query string stored
        Assert.Equal("gemini-2.5-pro", e.RequestModel);
        Assert.True(e.Stream);
        Assert.Equal(256, e.MaxTokens);
        Assert.Equal(1, e.MessageCount);
        Assert.Equal("estimate:gemini", e.Tokenizer);
        Assert.Equal(3, e.EstimatedInputTokens); // "Hello there" 2 → ceil(2.1) = 3
    }

    [Theory]
    [InlineData("openai", "POST", "/v1/chat/completions", "chat", null)]
    [InlineData("openai", "POST", "/v1/responses", "responses", null)]
    [InlineData("openai", "GET", "/v1/responses/resp_1", "other", null)]
    [InlineData("openai", "POST", "/v1/embeddings", "embeddings", null)]
    [InlineData("openai", "GET", "/v1/models", "other", null)]
    [InlineData("anthropic", "POST", "/v1/messages", "messages", null)]
    [InlineData("anthropic", "POST", "/v1/messages/count_tokens", "count_tokens", null)]
    [InlineData("gemini", "POST", "/v1beta/models/gemini-2.5-flash:generateContent", "generateContent", "gemini-2.5-flash")]
    [InlineData("gemini", "POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", "streamGenerateContent", "gemini-2.5-flash")]
    [InlineData("gemini", "POST", "/v1/models/gemini-2.0-flash:countTokens", "count_tokens", "gemini-2.0-flash")]
    [InlineData("gemini", "POST", "/v1beta/models/text-embedding-004:embedContent", "embeddings", "text-embedding-004")]
    [InlineData("gemini", "GET", "/v1beta/models", "other", null)]
    public void Classify_Path_Operation(string provider, string method, string path, string operation, string? model)
    {
        Assert.Equal(operation, Operations.Classify(provider, method, path, out var pathModel));
        Assert.Equal(model, pathModel);
    }

    [Fact]
    public void Complete_RequestOverCap_HashCompleteParseSkipped()
    {
        var body = ObserverHarness.OpenAIChatRequest;
        var e = RunRequest("openai", "/v1/chat/completions", body, new ObservationOptions { MaxRequestBytes = 32 });
        Assert.Equal(Sha256(body), e.PromptHash);
        Assert.Null(e.RequestModel);
        Assert.Null(e.EstimatedInputTokens);
        Assert.Equal(Encoding.UTF8.GetByteCount(body), e.RequestBytes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(106)]
    [InlineData(107)]
    [InlineData(110)]
    [InlineData(-1)] // body length - 1
    [InlineData(-2)] // exactly the body length
    public void Complete_AnyCapAnyChunkBoundary_HashIsOfTheWholeBody(int cap)
    {
        // The hash is one SHA-256 of the buffered body, or streamed from the moment the body outgrows the buffer (the
        // harness feeds 7, 100, 3, 7, 100, 3… byte chunks): wherever that happens, it is the hash of every byte sent.
        var body = ObserverHarness.OpenAIChatRequest;
        var length = Encoding.UTF8.GetByteCount(body);
        var max = cap switch { -1 => length - 1, -2 => length, _ => cap };
        var e = RunRequest("openai", "/v1/chat/completions", body, new ObservationOptions { MaxRequestBytes = max });
        Assert.Equal(Sha256(body), e.PromptHash);
        Assert.Equal(max >= length, e.RequestModel is not null);
    }

    [Fact]
    public void HashCredential_Memoized_EqualStringsOneHashDifferentKeysNeverShare()
    {
        static string Direct(string credential) =>
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(credential)).AsSpan(0, 8));

        // 100 distinct keys through a 16-slot memo (collisions and replacements), each asked three times with a fresh
        // string instance: every answer is the direct hash of that very key.
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 100; i++)
            {
                var credential = string.Concat("Bearer sk-test-", i.ToString(System.Globalization.CultureInfo.InvariantCulture), "-key");
                Assert.Equal(Direct(credential), TokenOps.Proxy.Forwarding.ForwardingExchange.HashCredential(credential));
            }
        }

        Assert.Null(TokenOps.Proxy.Forwarding.ForwardingExchange.HashCredential(null));
    }

    [Fact]
    public void Complete_EmptyRequest_HashOfEmpty()
    {
        var e = RunRequest("openai", "/v1/chat/completions", "", null);
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", e.PromptHash);
    }

    [Fact]
    public void Complete_CaptureBodies_RequestAndDecompressedResponse()
    {
        var response = ObserverHarness.Fixture("openai/chat_normal.json");
        var e = ObserverHarness.Run("openai", "/v1/chat/completions", ObserverHarness.OpenAIChatRequest, 200, "application/json", "gzip",
            [ObserverHarness.Gzip(response)], new ObservationOptions { CaptureBodies = true });
        Assert.Equal(Encoding.UTF8.GetBytes(ObserverHarness.OpenAIChatRequest), e.CapturedRequestBody);
        Assert.Equal(response, e.CapturedResponseBody);
        Assert.Equal("provider", e.UsageSource);
    }

    [Fact]
    public void Complete_CaptureBodiesStreamed_RawSseCaptured()
    {
        var response = ObserverHarness.Fixture("anthropic/messages_normal.sse");
        var e = ObserverHarness.Run("anthropic", "/v1/messages", ObserverHarness.AnthropicRequest, 200, "text/event-stream", null,
            ObserverHarness.Chunks(response, 50), new ObservationOptions { CaptureBodies = true });
        Assert.Equal(response, e.CapturedResponseBody);
        Assert.Equal(response.Length, e.ResponseBytes);
    }

    [Fact]
    public void Complete_CaptureRequestOnly_ResponseNotCopied_UsageStillRead()
    {
        // The passive optimizer's capture (no capture.bodies opt-in): the request is copied, the response never is.
        var options = new ObservationOptions { CaptureRequestBodies = true };
        Assert.False(options.CaptureBodies);
        var json = ObserverHarness.Run("openai", "/v1/chat/completions", ObserverHarness.OpenAIChatRequest, 200, "application/json", "gzip",
            [ObserverHarness.Gzip(ObserverHarness.Fixture("openai/chat_normal.json"))], options);
        Assert.Equal(Encoding.UTF8.GetBytes(ObserverHarness.OpenAIChatRequest), json.CapturedRequestBody);
        Assert.Null(json.CapturedResponseBody);
        Assert.Equal("provider", json.UsageSource);
        Assert.True(json.OutputTokens > 0);

        var sse = ObserverHarness.Fixture("anthropic/messages_normal.sse");
        var streamed = ObserverHarness.Run("anthropic", "/v1/messages", ObserverHarness.AnthropicRequest, 200, "text/event-stream", null,
            ObserverHarness.Chunks(sse, 50), options);
        Assert.NotNull(streamed.CapturedRequestBody);
        Assert.Null(streamed.CapturedResponseBody);
        Assert.Equal(sse.Length, streamed.ResponseBytes);
        Assert.Equal("provider", streamed.UsageSource);
    }

    [Fact]
    public void Complete_StreamTimings_FirstContentEventNotFirstByte()
    {
        // Harness clock: created at 1000, response start at 1050, each chunk +10 ms.
        // chat_normal.sse chunk 1 = role-only (no content), chunk 2 = "Hello": TTFT = 1070 - 1000 = 70 ms.
        var body = ObserverHarness.Fixture("openai/chat_normal.sse");
        var events = Encoding.UTF8.GetString(body).Split("\n\n");
        var chunks = new List<byte[]>();
        foreach (var ev in events)
        {
            chunks.Add(Encoding.UTF8.GetBytes(ev + "\n\n"));
        }

        var e = ObserverHarness.Run("openai", "/v1/chat/completions", ObserverHarness.OpenAIChatRequest, 200, "text/event-stream", null, chunks);
        Assert.Equal(50, e.TimeToFirstByteMs);
        Assert.Equal(70, e.TimeToFirstTokenMs);
        Assert.Equal(200, e.StatusCode);
    }

    [Fact]
    public void Complete_AnthropicStreamTiming_FirstContentBlockDelta()
    {
        // message_start, content_block_start, ping come first; the first content_block_delta is event 4 → 1000+50+40.
        var body = ObserverHarness.Fixture("anthropic/messages_normal.sse");
        var chunks = new List<byte[]>();
        foreach (var ev in Encoding.UTF8.GetString(body).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            chunks.Add(Encoding.UTF8.GetBytes(ev + "\n\n"));
        }

        var e = ObserverHarness.Run("anthropic", "/v1/messages", ObserverHarness.AnthropicRequest, 200, "text/event-stream", null, chunks);
        Assert.Equal(90, e.TimeToFirstTokenMs);
    }

    [Fact]
    public void Complete_CalledTwiceOrHooksAfterComplete_Ignored()
    {
        var factory = new ExchangeObserverFactory(new ObservationOptions(), new ManualTime());
        var observer = factory.Create("openai", "POST", "/v1/chat/completions")!;
        observer.OnResponseStart(200, "application/json", null);
        observer.OnResponseBody(ObserverHarness.Fixture("openai/chat_normal.json"), 5);
        var e = new PromptEvent();
        observer.Complete(e, true);
        observer.OnResponseBody("garbage"u8, 6);
        var second = new PromptEvent();
        observer.Complete(second, true);
        Assert.Equal(19, e.InputTokens);
        Assert.Null(second.InputTokens);
    }

    [Fact]
    public void Create_UnknownProvider_Null()
    {
        Assert.Null(new ExchangeObserverFactory().Create("mistral", "POST", "/v1/chat/completions"));
    }

    [Fact]
    public void OnResponseBody_SteadyStateStreamChunks_NoAllocation()
    {
        var factory = new ExchangeObserverFactory(new ObservationOptions(), new ManualTime());
        var anthropic = factory.Create("anthropic", "POST", "/v1/messages")!;
        var responses = factory.Create("openai", "POST", "/v1/responses")!;
        var gemini = factory.Create("gemini", "POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse")!;
        anthropic.OnResponseStart(200, "text/event-stream", null);
        responses.OnResponseStart(200, "text/event-stream", null);
        gemini.OnResponseStart(200, "text/event-stream", null);
        var a = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello there\"}}\n\n"u8.ToArray();
        var r = "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":5,\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hi\"}\n\n"u8.ToArray();
        var g = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"AI\"}],\"role\":\"model\"},\"index\":0}],\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"x\"}\n\n"u8.ToArray();
        for (var i = 0; i < 10; i++)
        {
            anthropic.OnResponseBody(a, i + 1);
            responses.OnResponseBody(r, i + 1);
            gemini.OnResponseBody(g, i + 1);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            anthropic.OnResponseBody(a, i + 100);
            responses.OnResponseBody(r, i + 100);
            gemini.OnResponseBody(g, i + 100);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
