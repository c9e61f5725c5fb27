using System.Text.Json;
using TokenOps.Core.Events;
using TokenOps.Tokenizers;
using ProviderNames = TokenOps.Core.Events.Providers;

namespace TokenOps.Proxy.Observation;

/// <summary>
/// Request-side facts from a captured request body, parsed once at Complete (off the request path, so a
/// <see cref="JsonDocument"/> is fine here): model, stream flag, output limit, message count and the
/// pre-flight input-token estimate.
/// </summary>
internal static class RequestBodyParser
{
    public static void Fill(PromptEvent e, string provider, string operation, string? pathModel, ReadOnlyMemory<byte> body)
    {
        e.RequestModel ??= pathModel;
        if (operation == Operations.StreamGenerateContent)
        {
            e.Stream = true;
        }

        if (body.IsEmpty)
        {
            return;
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException)
        {
            return; // not JSON (multipart upload, say): hash and sizes are still recorded
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            if (pathModel is null && root.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String)
            {
                e.RequestModel = ModelName(model);
            }

            if (root.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True)
            {
                e.Stream = true;
            }

            e.MaxTokens = ReadMaxTokens(root);
            e.MessageCount = ReadMessageCount(provider, root);

            if (operation is Operations.Chat or Operations.Responses or Operations.Messages or Operations.GenerateContent
                or Operations.StreamGenerateContent or Operations.Embeddings or Operations.CountTokens)
            {
                var count = RequestTokenCounter.Count(provider, operation, e.RequestModel, root);
                e.EstimatedInputTokens = count.Tokens;
                e.Tokenizer = count.Tokenizer;
                e.TokenizerExact = count.Exact;
            }

            MessageFingerprint.Fill(e, provider, operation, root);
        }
    }

    private static int? ReadMaxTokens(JsonElement root)
    {
        if (TryInt(root, "max_completion_tokens", out var v) || TryInt(root, "max_tokens", out v) || TryInt(root, "max_output_tokens", out v))
        {
            return v;
        }

        if ((root.TryGetProperty("generationConfig", out var config) || root.TryGetProperty("generation_config", out config)) &&
            (TryInt(config, "maxOutputTokens", out v) || TryInt(config, "max_output_tokens", out v)))
        {
            return v;
        }

        return null;
    }

    private static bool TryInt(JsonElement obj, string name, out int value)
    {
        value = 0;
        return obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var p) &&
               p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out value);
    }

    private static int? ReadMessageCount(string provider, JsonElement root)
    {
        if (root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
        {
            return messages.GetArrayLength();
        }

        if (provider == ProviderNames.Gemini)
        {
            if (root.TryGetProperty("generateContentRequest", out var inner))
            {
                root = inner;
            }

            if (root.TryGetProperty("contents", out var contents))
            {
                return contents.ValueKind == JsonValueKind.Array ? contents.GetArrayLength() : 1;
            }

            return root.TryGetProperty("requests", out var reqs) && reqs.ValueKind == JsonValueKind.Array ? reqs.GetArrayLength() : null;
        }

        if (root.TryGetProperty("input", out var input))
        {
            return input.ValueKind switch
            {
                JsonValueKind.Array => input.GetArrayLength(),
                JsonValueKind.String => 1,
                _ => null,
            };
        }

        return null;
    }

    /// <summary>The model name, shared across requests (<see cref="InternPool"/>) when it is short and unescaped.</summary>
    private static string? ModelName(JsonElement model)
    {
        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(model);
        return raw.Length >= 2 && raw.Length - 2 <= InternPool.MaxBytes && raw[1..^1].IndexOf((byte)'\\') < 0
            ? InternPool.Utf8(raw[1..^1])
            : model.GetString();
    }
}
