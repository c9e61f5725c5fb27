using System.Text;

namespace TokenOps.Testing.Fakes;

/// <summary>Picks the realistic response for a request, the way the real provider would route it.</summary>
public static class ProviderFixtures
{
    /// <summary>
    /// <c>…/chat/completions</c> → OpenAI (stream when the body says <c>"stream":true</c>); <c>…/messages</c> →
    /// Anthropic (same rule); <c>…:generateContent</c> / <c>…:streamGenerateContent</c> (SSE with <c>alt=sse</c>) →
    /// Gemini; anything else → 404 in OpenAI's error shape.
    /// </summary>
    public static FakeResponse Auto(RecordedRequest request)
    {
        var path = request.Path;
        var stream = request.Body is { } body && IsStreamRequested(body);
        if (path.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            return stream ? OpenAIFixtures.ChatCompletionStream() : OpenAIFixtures.ChatCompletion();
        }

        if (path.EndsWith("/messages", StringComparison.Ordinal))
        {
            return stream ? AnthropicFixtures.MessageStream() : AnthropicFixtures.Message();
        }

        if (path.EndsWith(":streamGenerateContent", StringComparison.Ordinal))
        {
            return request.Query.Contains("alt=sse", StringComparison.Ordinal)
                ? GeminiFixtures.StreamGenerateContent()
                : GeminiFixtures.StreamGenerateContentJsonArray();
        }

        if (path.EndsWith(":generateContent", StringComparison.Ordinal))
        {
            return GeminiFixtures.GenerateContent();
        }

        return FakeResponse.Json("""{"error":{"message":"Unknown request URL. Please check the URL for typos.","type":"invalid_request_error","param":null,"code":"unknown_url"}}""", 404);
    }

    private static bool IsStreamRequested(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        var i = text.IndexOf("\"stream\"", StringComparison.Ordinal);
        if (i < 0)
        {
            return false;
        }

        var rest = text.AsSpan(i + "\"stream\"".Length).TrimStart();
        return rest.StartsWith(":") && rest[1..].TrimStart().StartsWith("true", StringComparison.Ordinal);
    }
}
