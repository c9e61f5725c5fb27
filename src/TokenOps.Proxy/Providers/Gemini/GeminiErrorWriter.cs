using System.Text.Json;

namespace TokenOps.Proxy.Providers.Gemini;

/// <summary>
/// Gemini (google.rpc.Status over HTTP) error shape: <c>{"error":{"code":502,"message":"…","status":"UNAVAILABLE"}}</c>
/// (https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes).
/// </summary>
internal static class GeminiErrorWriter
{
    public static void Write(Utf8JsonWriter writer, int statusCode, string message)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error"u8);
        writer.WriteNumber("code"u8, statusCode);
        writer.WriteString("message"u8, message);
        writer.WriteString("status"u8, Status(statusCode));
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    internal static ReadOnlySpan<byte> Status(int statusCode) => statusCode switch
    {
        400 => "INVALID_ARGUMENT"u8,
        404 => "NOT_FOUND"u8,
        408 or 504 => "DEADLINE_EXCEEDED"u8,
        429 => "RESOURCE_EXHAUSTED"u8,
        502 or 503 => "UNAVAILABLE"u8,
        _ => "INTERNAL"u8,
    };
}
