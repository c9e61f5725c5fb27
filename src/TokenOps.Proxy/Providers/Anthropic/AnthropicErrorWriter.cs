using System.Text.Json;

namespace TokenOps.Proxy.Providers.Anthropic;

/// <summary>
/// Anthropic error shape: <c>{"type":"error","error":{"type":"…","message":"…"}}</c>, with the error type
/// Anthropic uses for the same status (https://docs.anthropic.com/en/api/errors).
/// </summary>
internal static class AnthropicErrorWriter
{
    public static void Write(Utf8JsonWriter writer, int statusCode, string message)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "error"u8);
        writer.WriteStartObject("error"u8);
        writer.WriteString("type"u8, ErrorType(statusCode));
        writer.WriteString("message"u8, message);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    internal static ReadOnlySpan<byte> ErrorType(int statusCode) => statusCode switch
    {
        400 => "invalid_request_error"u8,
        404 => "not_found_error"u8,
        408 or 504 => "timeout_error"u8,
        413 => "request_too_large"u8,
        529 => "overloaded_error"u8,
        _ => "api_error"u8,
    };
}
