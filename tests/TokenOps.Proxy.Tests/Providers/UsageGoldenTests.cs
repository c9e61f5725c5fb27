using System.Text;
using TokenOps.Proxy.Tests.Observation;

namespace TokenOps.Proxy.Tests.Providers;

/// <summary>
/// Golden tests: every provider × (JSON, SSE) × (normal, cached, tool use, reasoning, error) with the
/// exact normalised usage expected (PromptEvent semantics: input includes cache reads and writes;
/// output includes reasoning). Expected string: in|out|cached|cacheWrite|write5m|write1h|reasoning|model|id|finish|errorType|errorCode|source.
/// </summary>
public sealed class UsageGoldenTests
{
    private const string Json = "application/json";
    private const string Sse = "text/event-stream";
    private const string OpenAIChat = "/v1/chat/completions";
    private const string OpenAIResponses = "/v1/responses";
    private const string AnthropicMessages = "/v1/messages";
    private const string GeminiGenerate = "/v1beta/models/gemini-2.5-flash:generateContent";
    private const string GeminiStream = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";
    private const string GeminiStreamArray = "/v1beta/models/gemini-2.5-flash:streamGenerateContent";

    private sealed record Case(string Provider, string Path, string Fixture, int Status, string ContentType, string Expected);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // ---- OpenAI Chat Completions ----
        ["openai-chat-json-normal"] = new("openai", OpenAIChat, "openai/chat_normal.json", 200, Json,
            "19|10|0|-|-|-|0|gpt-4o-2024-08-06|chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT|stop|-|-|provider"),
        ["openai-chat-json-cached"] = new("openai", OpenAIChat, "openai/chat_cached.json", 200, Json,
            "2006|300|1920|-|-|-|0|gpt-4.1-2025-04-14|chatcmpl-C1cached|stop|-|-|provider"),
        ["openai-chat-json-tool"] = new("openai", OpenAIChat, "openai/chat_tool.json", 200, Json,
            "82|17|0|-|-|-|0|gpt-4o-mini-2024-07-18|chatcmpl-C2tool|tool_calls|-|-|provider"),
        ["openai-chat-json-reasoning"] = new("openai", OpenAIChat, "openai/chat_reasoning.json", 200, Json,
            "13|1146|0|-|-|-|1024|o3-mini-2025-01-31|chatcmpl-C3reason|stop|-|-|provider"),
        ["openai-chat-json-error"] = new("openai", OpenAIChat, "openai/chat_error.json", 401, Json,
            "-|-|-|-|-|-|-|-|-|-|invalid_request_error|invalid_api_key|unavailable"),
        ["openai-chat-json-ratelimit"] = new("openai", OpenAIChat, "openai/chat_ratelimit.json", 429, Json,
            "-|-|-|-|-|-|-|-|-|-|tokens|rate_limit_exceeded|unavailable"),
        ["openai-chat-sse-normal"] = new("openai", OpenAIChat, "openai/chat_normal.sse", 200, Sse,
            "19|6|0|-|-|-|0|gpt-4o-2024-08-06|chatcmpl-S1|stop|-|-|provider"),
        ["openai-chat-sse-cached"] = new("openai", OpenAIChat, "openai/chat_cached.sse", 200, Sse,
            "2006|7|1920|-|-|-|0|gpt-4.1-2025-04-14|chatcmpl-S2|stop|-|-|provider"),
        ["openai-chat-sse-tool"] = new("openai", OpenAIChat, "openai/chat_tool.sse", 200, Sse,
            "82|17|0|-|-|-|0|gpt-4o-mini-2024-07-18|chatcmpl-S3|tool_calls|-|-|provider"),
        ["openai-chat-sse-reasoning"] = new("openai", OpenAIChat, "openai/chat_reasoning.sse", 200, Sse,
            "13|1146|0|-|-|-|1024|o4-mini-2025-04-16|chatcmpl-S4|stop|-|-|provider"),
        // No include_usage: input = request estimate (24, exact o200k), output = "Hello! How can I help?" = 7 (js-tiktoken).
        ["openai-chat-sse-nousage"] = new("openai", OpenAIChat, "openai/chat_nousage.sse", 200, Sse,
            "24|7|-|-|-|-|-|gpt-4o-2024-08-06|chatcmpl-S5|stop|-|-|estimated"),
        ["openai-chat-sse-error"] = new("openai", OpenAIChat, "openai/chat_error.sse", 200, Sse,
            "-|-|-|-|-|-|-|gpt-4o-2024-08-06|chatcmpl-S6|-|server_error|-|unavailable"),
        ["openai-chat-sse-truncated"] = new("openai", OpenAIChat, "openai/chat_truncated.sse", 200, Sse,
            "-|-|-|-|-|-|-|gpt-4o-2024-08-06|chatcmpl-S7|-|-|-|unavailable"),

        // ---- OpenAI Responses API + embeddings ----
        ["openai-responses-json-normal"] = new("openai", OpenAIResponses, "openai/responses_normal.json", 200, Json,
            "36|87|0|-|-|-|0|gpt-4.1-2025-04-14|resp_67ccd3a9da748190baa7f1570fe91ac604becb25c45c1d41|completed|-|-|provider"),
        ["openai-responses-json-cached"] = new("openai", OpenAIResponses, "openai/responses_cached.json", 200, Json,
            "5120|200|4096|-|-|-|64|gpt-5-2025-08-07|resp_cached01|completed|-|-|provider"),
        ["openai-responses-json-tool"] = new("openai", OpenAIResponses, "openai/responses_tool.json", 200, Json,
            "291|23|0|-|-|-|0|gpt-4.1-2025-04-14|resp_tool01|completed|-|-|provider"),
        ["openai-responses-json-reasoning"] = new("openai", OpenAIResponses, "openai/responses_incomplete.json", 200, Json,
            "50|256|0|-|-|-|256|o3-2025-04-16|resp_inc01|max_output_tokens|-|-|provider"),
        ["openai-responses-sse-normal"] = new("openai", OpenAIResponses, "openai/responses_normal.sse", 200, Sse,
            "37|11|0|-|-|-|0|gpt-4.1-2025-04-14|resp_s1|completed|-|-|provider"),
        ["openai-responses-sse-reasoning"] = new("openai", OpenAIResponses, "openai/responses_reasoning.sse", 200, Sse,
            "120|900|64|-|-|-|832|o4-mini-2025-04-16|resp_s2|completed|-|-|provider"),
        ["openai-responses-sse-error"] = new("openai", OpenAIResponses, "openai/responses_error.sse", 200, Sse,
            "-|-|-|-|-|-|-|gpt-4.1-2025-04-14|resp_s3|-|error|server_error|unavailable"),
        ["openai-embeddings-json"] = new("openai", "/v1/embeddings", "openai/embeddings.json", 200, Json,
            "8|0|0|-|-|-|0|text-embedding-3-small|-|-|-|-|provider"),

        // ---- Anthropic Messages (input = input + cache read + cache write) ----
        ["anthropic-json-normal"] = new("anthropic", AnthropicMessages, "anthropic/messages_normal.json", 200, Json,
            "12|11|0|0|-|-|-|claude-sonnet-4-5-20250929|msg_01XFDUDYJgAACzvnptvVoYEL|end_turn|-|-|provider"),
        ["anthropic-json-cached"] = new("anthropic", AnthropicMessages, "anthropic/messages_cached.json", 200, Json,
            "4521|150|3000|1500|1000|500|-|claude-opus-4-1-20250805|msg_01Cached|end_turn|-|-|provider"),
        ["anthropic-json-tool"] = new("anthropic", AnthropicMessages, "anthropic/messages_tool.json", 200, Json,
            "472|89|0|0|-|-|-|claude-sonnet-4-5-20250929|msg_01Tool|tool_use|-|-|provider"),
        ["anthropic-json-thinking"] = new("anthropic", AnthropicMessages, "anthropic/messages_thinking.json", 200, Json,
            "45|845|0|0|-|-|-|claude-sonnet-4-5-20250929|msg_01Think|max_tokens|-|-|provider"),
        ["anthropic-json-error"] = new("anthropic", AnthropicMessages, "anthropic/messages_error.json", 529, Json,
            "-|-|-|-|-|-|-|-|-|-|overloaded_error|-|unavailable"),
        ["anthropic-sse-normal"] = new("anthropic", AnthropicMessages, "anthropic/messages_normal.sse", 200, Sse,
            "25|15|0|0|-|-|-|claude-sonnet-4-5-20250929|msg_S1|end_turn|-|-|provider"),
        ["anthropic-sse-cached"] = new("anthropic", AnthropicMessages, "anthropic/messages_cached.sse", 200, Sse,
            "4521|150|3000|1500|1000|500|-|claude-opus-4-1-20250805|msg_S2|end_turn|-|-|provider"),
        ["anthropic-sse-tool"] = new("anthropic", AnthropicMessages, "anthropic/messages_tool.sse", 200, Sse,
            "472|89|0|0|-|-|-|claude-sonnet-4-5-20250929|msg_S3|tool_use|-|-|provider"),
        ["anthropic-sse-thinking"] = new("anthropic", AnthropicMessages, "anthropic/messages_thinking.sse", 200, Sse,
            "45|845|0|0|-|-|-|claude-sonnet-4-5-20250929|msg_S4|end_turn|-|-|provider"),
        ["anthropic-sse-error"] = new("anthropic", AnthropicMessages, "anthropic/messages_error.sse", 200, Sse,
            "-|-|-|-|-|-|-|claude-sonnet-4-5-20250929|msg_S5|-|overloaded_error|-|unavailable"),

        // ---- Gemini (input = prompt + toolUsePrompt; output = candidates + thoughts) ----
        ["gemini-json-normal"] = new("gemini", GeminiGenerate, "gemini/generate_normal.json", 200, Json,
            "8|12|0|-|-|-|0|gemini-2.5-flash|mEvgaJbUGqO2nvgPw5PrgQ4|STOP|-|-|provider"),
        ["gemini-json-cached"] = new("gemini", GeminiGenerate, "gemini/generate_cached.json", 200, Json,
            "12000|50|10000|-|-|-|0|gemini-2.5-pro|mEvgaJbUGqO2nvgPw5PrgQ4|STOP|-|-|provider"),
        ["gemini-json-tool"] = new("gemini", GeminiGenerate, "gemini/generate_tool.json", 200, Json,
            "160|15|0|-|-|-|0|gemini-2.5-flash|mEvgaJbUGqO2nvgPw5PrgQ4|STOP|-|-|provider"),
        ["gemini-json-thinking"] = new("gemini", GeminiGenerate, "gemini/generate_thinking.json", 200, Json,
            "30|518|0|-|-|-|512|gemini-2.5-flash|mEvgaJbUGqO2nvgPw5PrgQ4|STOP|-|-|provider"),
        ["gemini-json-error"] = new("gemini", GeminiGenerate, "gemini/generate_error.json", 400, Json,
            "-|-|-|-|-|-|-|-|-|-|INVALID_ARGUMENT|400|unavailable"),
        ["gemini-sse-normal"] = new("gemini", GeminiStream, "gemini/stream_normal.sse", 200, Sse,
            "8|12|0|-|-|-|0|gemini-2.5-flash|rS1|STOP|-|-|provider"),
        ["gemini-sse-cached"] = new("gemini", GeminiStream, "gemini/stream_cached.sse", 200, Sse,
            "12000|50|10000|-|-|-|0|gemini-2.5-pro|rS2|STOP|-|-|provider"),
        ["gemini-sse-tool"] = new("gemini", GeminiStream, "gemini/stream_tool.sse", 200, Sse,
            "160|15|0|-|-|-|0|gemini-2.5-flash|rS3|STOP|-|-|provider"),
        ["gemini-sse-thinking"] = new("gemini", GeminiStream, "gemini/stream_thinking.sse", 200, Sse,
            "30|518|0|-|-|-|512|gemini-2.5-flash|rS4|STOP|-|-|provider"),
        ["gemini-sse-truncated"] = new("gemini", GeminiStream, "gemini/stream_truncated.sse", 200, Sse,
            "-|-|-|-|-|-|-|gemini-2.5-flash|rS5|-|-|-|unavailable"),
        ["gemini-array-normal"] = new("gemini", GeminiStreamArray, "gemini/stream_array.json", 200, Json,
            "8|12|0|-|-|-|0|gemini-2.5-flash|rA1|STOP|-|-|provider"),
        ["gemini-array-error"] = new("gemini", GeminiStreamArray, "gemini/stream_error.json", 429, Json,
            "-|-|-|-|-|-|-|-|-|-|RESOURCE_EXHAUSTED|429|unavailable"),
    };

    public static TheoryData<string> AllCases() => new(Cases.Keys);

    public static TheoryData<string> SseCases()
    {
        var data = new TheoryData<string>();
        foreach (var (name, c) in Cases)
        {
            if (c.ContentType == Sse)
            {
                data.Add(name);
            }
        }

        return data;
    }

    private static string Run(Case c, IEnumerable<byte[]> chunks, string? encoding = null) =>
        ObserverHarness.Usage(ObserverHarness.Run(c.Provider, c.Path, ObserverHarness.DefaultRequest(c.Provider), c.Status,
            c.ContentType, encoding, chunks));

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Complete_WholeBody_ExactNormalisedUsage(string name)
    {
        var c = Cases[name];
        Assert.Equal(c.Expected, Run(c, [ObserverHarness.Fixture(c.Fixture)]));
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Complete_OneByteChunks_SameUsage(string name)
    {
        var c = Cases[name];
        Assert.Equal(c.Expected, Run(c, ObserverHarness.Chunks(ObserverHarness.Fixture(c.Fixture), 1)));
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Complete_GzipBody_SameUsage(string name)
    {
        var c = Cases[name];
        var gz = ObserverHarness.Gzip(ObserverHarness.Fixture(c.Fixture));
        Assert.Equal(c.Expected, Run(c, ObserverHarness.Chunks(gz, 13, 1, 200), "gzip"));
    }

    [Theory]
    [MemberData(nameof(SseCases))]
    public void Complete_CrLfLineEndings_SameUsage(string name)
    {
        var c = Cases[name];
        var crlf = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(ObserverHarness.Fixture(c.Fixture)).Replace("\n", "\r\n", StringComparison.Ordinal));
        // 1-byte chunks put CR and LF in different chunks: the parser must not see an extra empty line.
        Assert.Equal(c.Expected, Run(c, ObserverHarness.Chunks(crlf, 1, 2, 5)));
    }

    [Theory]
    [MemberData(nameof(SseCases))]
    public void Complete_BareCrLineEndings_SameUsage(string name)
    {
        var c = Cases[name];
        var cr = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(ObserverHarness.Fixture(c.Fixture)).Replace("\n", "\r", StringComparison.Ordinal));
        Assert.Equal(c.Expected, Run(c, ObserverHarness.Chunks(cr, 3, 17)));
    }

    [Theory]
    [InlineData("openai-chat-sse-normal")]
    [InlineData("openai-responses-sse-reasoning")]
    [InlineData("anthropic-sse-cached")]
    [InlineData("gemini-sse-thinking")]
    public void Complete_SplitAtEveryByteBoundary_SameUsage(string name)
    {
        var c = Cases[name];
        var body = ObserverHarness.Fixture(c.Fixture);
        for (var i = 1; i < body.Length; i++)
        {
            var actual = Run(c, [body[..i], body[i..]]);
            Assert.True(c.Expected == actual, $"split at {i}: {actual}");
        }
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    [InlineData("deflate")]
    public void Complete_CompressedSse_InflatedAfterTheFact(string encoding)
    {
        var c = Cases["anthropic-sse-cached"];
        var raw = ObserverHarness.Fixture(c.Fixture);
        var body = encoding switch
        {
            "gzip" => ObserverHarness.Gzip(raw),
            "br" => ObserverHarness.Brotli(raw),
            _ => ObserverHarness.Deflate(raw, zlib: true),
        };
        Assert.Equal(c.Expected, Run(c, ObserverHarness.Chunks(body, 64), encoding));
    }

    [Fact]
    public void Complete_RawDeflateWithoutZlibHeader_StillInflated()
    {
        var c = Cases["openai-chat-json-cached"];
        var body = ObserverHarness.Deflate(ObserverHarness.Fixture(c.Fixture), zlib: false);
        Assert.Equal(c.Expected, Run(c, [body], "deflate"));
    }

    [Fact]
    public void Complete_CorruptGzip_Unavailable()
    {
        var c = Cases["openai-chat-json-normal"];
        var body = ObserverHarness.Gzip(ObserverHarness.Fixture(c.Fixture));
        body[body.Length / 2] ^= 0xFF;
        body[(body.Length / 2) + 1] ^= 0xFF;
        var e = ObserverHarness.Run(c.Provider, c.Path, ObserverHarness.OpenAIChatRequest, 200, Json, "gzip", [body]);
        Assert.Equal("unavailable", e.UsageSource);
        Assert.Null(e.InputTokens);
    }

    [Fact]
    public void Complete_StreamWithUsageButExchangeAborted_StillProviderUsage()
    {
        // The final usage chunk arrived before the client went away: the provider billed exactly that.
        var c = Cases["openai-chat-sse-normal"];
        var e = ObserverHarness.Run(c.Provider, c.Path, ObserverHarness.OpenAIChatRequest, 200, Sse, null,
            [ObserverHarness.Fixture(c.Fixture)], exchangeCompleted: false);
        Assert.Equal(c.Expected, ObserverHarness.Usage(e));
    }

    [Fact]
    public void Complete_NoUsageStreamAborted_UnavailableNotEstimated()
    {
        var c = Cases["openai-chat-sse-nousage"];
        var e = ObserverHarness.Run(c.Provider, c.Path, ObserverHarness.OpenAIChatRequest, 200, Sse, null,
            [ObserverHarness.Fixture(c.Fixture)], exchangeCompleted: false);
        Assert.Equal("unavailable", e.UsageSource);
        Assert.Null(e.OutputTokens);
    }

    [Fact]
    public void Complete_ResponseOverCap_Unavailable()
    {
        var c = Cases["openai-chat-json-normal"];
        var e = ObserverHarness.Run(c.Provider, c.Path, ObserverHarness.OpenAIChatRequest, 200, Json, null,
            [ObserverHarness.Fixture(c.Fixture)], new TokenOps.Proxy.Observation.ObservationOptions { MaxResponseBytes = 100 });
        Assert.Equal("unavailable", e.UsageSource);
        Assert.Null(e.InputTokens);
    }

    [Fact]
    public void Complete_SseEventOverBound_EventSkippedAndUsageNotGuessed()
    {
        // A 200-byte bound skips message_start (the input side); message_delta still parses, but a
        // half-known usage is not reported as the provider's.
        var c = Cases["anthropic-sse-normal"];
        var e = ObserverHarness.Run(c.Provider, c.Path, ObserverHarness.AnthropicRequest, 200, Sse, null,
            [ObserverHarness.Fixture(c.Fixture)], new TokenOps.Proxy.Observation.ObservationOptions { MaxSseEventBytes = 200 });
        Assert.Equal("unavailable", e.UsageSource);
        Assert.Null(e.InputTokens);
        Assert.Null(e.ResponseModel);
        Assert.Equal("end_turn", e.FinishReason);
    }
}
