using System.Buffers;
using System.Text.Json;
using TokenOps.Tokenizers;

namespace TokenOps.Mcp.Tools;

/// <summary>tokenops_count_tokens: text or chat messages → tokens with the model's tokenizer (exact or labelled estimate).</summary>
internal static class CountTokensTool
{
    public const string Name = "tokenops_count_tokens";

    private const string InputSchema = """
        {
          "type": "object",
          "properties": {
            "model": { "type": "string", "description": "Model name, e.g. gpt-4o, claude-sonnet-4-5, gemini-2.5-flash." },
            "provider": { "type": "string", "enum": ["openai", "anthropic", "gemini"], "description": "Optional; inferred from the model." },
            "text": { "type": "string", "description": "Plain text to count." },
            "messages": {
              "type": "array",
              "description": "Chat messages to count with the provider's per-message overhead.",
              "items": {
                "type": "object",
                "properties": { "role": { "type": "string" }, "content": { "type": "string" }, "name": { "type": "string" } },
                "required": ["role", "content"]
              }
            }
          },
          "required": ["model"]
        }
        """;

    private const string OutputSchema = """
        {
          "type": "object",
          "properties": {
            "model": { "type": "string" },
            "tokens": { "type": "integer" },
            "tokenizer": { "type": "string" },
            "exact": { "type": "boolean" },
            "message_count": { "type": ["integer", "null"] }
          },
          "required": ["model", "tokens", "tokenizer", "exact"]
        }
        """;

    public static McpTool Create() => new(
        Name,
        "Count tokens",
        "Count the tokens of a text or a list of chat messages for a model: exact for OpenAI models (o200k_base / cl100k_base), a labelled calibrated estimate for Claude and Gemini.",
        InputSchema,
        OutputSchema,
        static (args, ct) => ValueTask.FromResult(Run(args)));

    private static ToolOutput Run(ToolArguments args)
    {
        var model = args.String("model")!;
        var provider = args.OneOf("provider", "openai", "anthropic", "gemini");
        var text = args.String("text");
        var messages = args.Array("messages");
        if ((text is null) == (messages is null))
        {
            throw new ToolInputException("Pass exactly one of 'text' or 'messages'.");
        }

        TokenCount count;
        int? messageCount = null;
        if (text is not null)
        {
            count = TokenCounter.CountText(model, text, provider);
        }
        else
        {
            var list = new List<ChatMessageText>();
            var index = 0;
            foreach (var message in messages!.Value.EnumerateArray())
            {
                if (message.ValueKind != JsonValueKind.Object
                    || !message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String
                    || !message.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
                {
                    throw new ToolInputException($"messages[{index}] must be an object with string 'role' and 'content'.");
                }

                string? name = message.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
                list.Add(new ChatMessageText(role.GetString()!, content.GetString()!, name));
                index++;
            }

            messageCount = list.Count;
            count = TokenCounter.CountChat(model, list, provider);
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("model", model);
            writer.WriteNumber("tokens", count.Tokens);
            writer.WriteString("tokenizer", count.Tokenizer);
            writer.WriteBoolean("exact", count.Exact);
            if (messageCount is { } m)
            {
                writer.WriteNumber("message_count", m);
            }
            else
            {
                writer.WriteNull("message_count");
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        var summary = $"{count.Tokens} tokens for {model} ({(count.Exact ? "exact, " : "estimate, ")}{count.Tokenizer})";
        return new ToolOutput(document.RootElement.Clone(), summary);
    }
}
