namespace TokenOps.Testing.Fakes;

/// <summary>
/// Gemini API wire format (https://ai.google.dev/api/generate-content): a <c>GenerateContentResponse</c> for
/// <c>:generateContent</c>, and for <c>:streamGenerateContent?alt=sse</c> one response per SSE event,
/// framed <c>data: {...}\r\n\r\n</c> as Google's servers send it.
/// </summary>
public static class GeminiFixtures
{
    public const string GenerateContentJson =
        """{"candidates":[{"content":{"parts":[{"text":"Hello! How can I help you today?"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":9,"totalTokenCount":37,"promptTokensDetails":[{"modality":"TEXT","tokenCount":8}],"thoughtsTokenCount":20},"modelVersion":"gemini-2.5-flash","responseId":"bH3uaPXnMqGBz7IPnNfAoQM"}""";

    public static readonly IReadOnlyList<string> StreamGenerateContentEvents =
    [
        "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hello\"}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 8,\"totalTokenCount\": 8,\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 8}]},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"cH3uaJ2bB4mBz7IP5tCq6AQ\"}\r\n\r\n",
        "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"! How can I help you today?\"}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 8,\"totalTokenCount\": 8,\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 8}]},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"cH3uaJ2bB4mBz7IP5tCq6AQ\"}\r\n\r\n",
        "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 8,\"candidatesTokenCount\": 9,\"totalTokenCount\": 37,\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 8}],\"thoughtsTokenCount\": 20},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"cH3uaJ2bB4mBz7IP5tCq6AQ\"}\r\n\r\n",
    ];

    public const string InvalidKeyErrorJson =
        """{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT"}}""";

    public const string UnavailableErrorJson =
        """{"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}""";

    public static FakeResponse GenerateContent() => FakeResponse.Json(GenerateContentJson) with { Headers = Headers() };

    public static FakeResponse StreamGenerateContent() => FakeResponse.EventStream(StreamGenerateContentEvents) with { Headers = Headers() };

    /// <summary>Without <c>alt=sse</c>, streamGenerateContent returns one JSON array of responses, streamed.</summary>
    public static FakeResponse StreamGenerateContentJsonArray()
    {
        var items = new List<string>();
        foreach (var e in StreamGenerateContentEvents)
        {
            items.Add(e["data: ".Length..].TrimEnd('\r', '\n'));
        }

        return FakeResponse.Json("[" + string.Join(",\r\n", items) + "]") with { SendContentLength = false, Headers = Headers() };
    }

    public static FakeResponse Error(int statusCode) =>
        FakeResponse.Json(statusCode == 400 ? InvalidKeyErrorJson : UnavailableErrorJson, statusCode) with { Headers = Headers() };

    private static Dictionary<string, string> Headers() => new()
    {
        ["x-gemini-service-tier"] = "standard",
        ["server-timing"] = "gfet4t7; dur=412",
    };
}
