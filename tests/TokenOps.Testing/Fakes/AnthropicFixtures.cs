namespace TokenOps.Testing.Fakes;

/// <summary>
/// Anthropic Messages wire format (https://docs.anthropic.com/en/api/messages, .../messages-streaming):
/// a <c>message</c> object, and named SSE events message_start, content_block_start, ping,
/// content_block_delta…, content_block_stop, message_delta, message_stop.
/// </summary>
public static class AnthropicFixtures
{
    public const string MessageJson =
        """{"id":"msg_013Zva2CMHLNnXjNJJKqJ2EF","type":"message","role":"assistant","model":"claude-sonnet-4-20250514","content":[{"type":"text","text":"Hi! My name is Claude."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":2095,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":503,"service_tier":"standard"}}""";

    public static readonly IReadOnlyList<string> MessageStreamEvents =
    [
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-20250514\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1,\"service_tier\":\"standard\"}}}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: ping\ndata: {\"type\": \"ping\"}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"! How can I help?\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}\n\n",
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    ];

    public const string OverloadedErrorJson = """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""";

    public const string InvalidRequestErrorJson = """{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}""";

    public static FakeResponse Message() => FakeResponse.Json(MessageJson) with { Headers = Headers() };

    public static FakeResponse MessageStream() => FakeResponse.EventStream(MessageStreamEvents) with { Headers = Headers() };

    public static FakeResponse Error(int statusCode) =>
        FakeResponse.Json(statusCode == 400 ? InvalidRequestErrorJson : OverloadedErrorJson, statusCode) with { Headers = Headers() };

    private static Dictionary<string, string> Headers() => new()
    {
        ["request-id"] = "req_018EeWyXxfu5pfWkrYcMdjWG",
        ["anthropic-organization-id"] = "b7b3c1a4-0000-4000-8000-000000000000",
    };
}
