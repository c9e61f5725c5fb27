using System.Text.Json;

namespace TokenOps.Proxy.Providers.OpenAI;

/// <summary>
/// OpenAI error shape: <c>{"error":{"message":"…","type":"…","param":null,"code":"…"}}</c>
/// (https://platform.openai.com/docs/guides/error-codes). The SDKs pick the exception class from the status.
/// </summary>
internal static class OpenAIErrorWriter
{
    public static void Write(Utf8JsonWriter writer, int statusCode, string code, string message)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error"u8);
        writer.WriteString("message"u8, message);
        writer.WriteString("type"u8, statusCode >= 500 ? "server_error"u8 : "invalid_request_error"u8);
        writer.WriteNull("param"u8);
        writer.WriteString("code"u8, code);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
