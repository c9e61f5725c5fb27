namespace TokenOps.Testing.Fakes;

/// <summary>
/// OpenAI Chat Completions wire format (https://platform.openai.com/docs/api-reference/chat): a
/// <c>chat.completion</c> object, and a stream of <c>chat.completion.chunk</c> objects as <c>data: {...}\n\n</c>
/// SSE events ending with the usage chunk (stream_options.include_usage) and <c>data: [DONE]\n\n</c>.
/// </summary>
public static class OpenAIFixtures
{
    public const string ChatCompletionJson =
        """{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion","created":1741569952,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I assist you today?","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_f5bdcc3276"}""";

    public static readonly IReadOnlyList<string> ChatCompletionStreamEvents =
    [
        "data: {\"id\":\"chatcmpl-BHxkf2\",\"object\":\"chat.completion.chunk\",\"created\":1743630123,\"model\":\"gpt-4o-2024-08-06\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_f5bdcc3276\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"id\":\"chatcmpl-BHxkf2\",\"object\":\"chat.completion.chunk\",\"created\":1743630123,\"model\":\"gpt-4o-2024-08-06\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_f5bdcc3276\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"id\":\"chatcmpl-BHxkf2\",\"object\":\"chat.completion.chunk\",\"created\":1743630123,\"model\":\"gpt-4o-2024-08-06\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_f5bdcc3276\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"! How can I help?\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"id\":\"chatcmpl-BHxkf2\",\"object\":\"chat.completion.chunk\",\"created\":1743630123,\"model\":\"gpt-4o-2024-08-06\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_f5bdcc3276\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null}\n\n",
        "data: {\"id\":\"chatcmpl-BHxkf2\",\"object\":\"chat.completion.chunk\",\"created\":1743630123,\"model\":\"gpt-4o-2024-08-06\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_f5bdcc3276\",\"choices\":[],\"usage\":{\"prompt_tokens\":19,\"completion_tokens\":8,\"total_tokens\":27,\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}\n\n",
        "data: [DONE]\n\n",
    ];

    public const string RateLimitErrorJson =
        """{"error":{"message":"Rate limit reached for gpt-4o in organization org-xyz on tokens per min (TPM): Limit 30000, Used 30000, Requested 19. Please try again in 38ms.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}""";

    public const string ServerErrorJson =
        """{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}""";

    public static FakeResponse ChatCompletion() => FakeResponse.Json(ChatCompletionJson) with { Headers = Headers() };

    public static FakeResponse ChatCompletionStream() => FakeResponse.EventStream(ChatCompletionStreamEvents) with { Headers = Headers() };

    public static FakeResponse Error(int statusCode) =>
        FakeResponse.Json(statusCode == 429 ? RateLimitErrorJson : ServerErrorJson, statusCode) with { Headers = Headers() };

    private static Dictionary<string, string> Headers() => new()
    {
        ["x-request-id"] = "req_7b1c0b6a5c2d4e0f9a8b7c6d5e4f3a2b",
        ["openai-processing-ms"] = "412",
        ["openai-version"] = "2020-10-01",
    };
}
