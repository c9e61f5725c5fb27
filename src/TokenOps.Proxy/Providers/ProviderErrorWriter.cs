using System.Buffers;
using System.Text.Json;
using TokenOps.Proxy.Providers.Anthropic;
using TokenOps.Proxy.Providers.Gemini;
using TokenOps.Proxy.Providers.OpenAI;

namespace TokenOps.Proxy.Providers;

/// <summary>Dispatches a proxy-generated error to the calling provider's error JSON shape.</summary>
internal static class ProviderErrorWriter
{
    public const string ContentType = "application/json";

    public static void Write(IBufferWriter<byte> output, ProviderKind provider, int statusCode, string code, string message)
    {
        using var writer = new Utf8JsonWriter(output);
        switch (provider)
        {
            case ProviderKind.Anthropic:
                AnthropicErrorWriter.Write(writer, statusCode, message);
                break;
            case ProviderKind.Gemini:
                GeminiErrorWriter.Write(writer, statusCode, message);
                break;
            default:
                OpenAIErrorWriter.Write(writer, statusCode, code, message);
                break;
        }

        writer.Flush();
    }
}
