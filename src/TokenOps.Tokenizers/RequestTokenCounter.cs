using System.Text.Json;

namespace TokenOps.Tokenizers;

/// <summary>
/// Pre-flight input-token count of a provider request body: counts what the provider bills — message
/// text, system prompts/instructions, tool definitions (name, description, JSON-schema text), tool calls
/// (name, arguments) and tool results — and never the JSON syntax of the request envelope.
/// Used by the observer (off the request path), the MCP count_tokens tool and the optimizers.
/// </summary>
/// <remarks>
/// OpenAI chat: exact for text messages (cookbook formula, see <see cref="TokenCounter.ChatTokensPerMessage"/>).
/// The Responses API input items get the same per-item overhead. Tool definitions are counted as
/// name + description + schema JSON text; OpenAI renders them into an internal format whose overhead is
/// undocumented, so requests with tools are close but not guaranteed exact. Images/audio/files are not
/// counted (their cost depends on resolution/duration, not text).
/// </remarks>
public static class RequestTokenCounter
{
    /// <summary>Counts the body of a request. <paramref name="operation"/>: chat | responses | embeddings | messages | count_tokens | generateContent | streamGenerateContent | other.</summary>
    public static TokenCount Count(string provider, string operation, string? model, JsonElement root)
    {
        var choice = TokenizerRegistry.Resolve(provider, model);
        var tally = new Tally(choice.Kind);
        if (root.ValueKind == JsonValueKind.Object)
        {
            switch (provider)
            {
                case "anthropic":
                    CountAnthropic(root, ref tally);
                    break;
                case "gemini":
                    CountGemini(root, ref tally);
                    break;
                default:
                    CountOpenAi(operation, root, ref tally);
                    break;
            }
        }

        return new TokenCount(TokenCounter.Scale(choice.Kind, tally.Raw) + tally.Overhead, choice.Name, choice.Exact);
    }

    /// <summary>Convenience: parse UTF-8 JSON then <see cref="Count(string, string, string?, JsonElement)"/>. Returns null for invalid JSON.</summary>
    public static TokenCount? Count(string provider, string operation, string? model, ReadOnlyMemory<byte> utf8Json)
    {
        try
        {
            using var doc = JsonDocument.Parse(utf8Json);
            return Count(provider, operation, model, doc.RootElement);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private struct Tally(TokenizerKind kind)
    {
        public readonly bool OpenAiFormat = kind is TokenizerKind.O200kBase or TokenizerKind.Cl100kBase;
        public long Raw;
        public int Overhead;

        public void Text(string? text)
        {
            if (!string.IsNullOrEmpty(text))
            {
                Raw += TokenCounter.CountRaw(kind, text);
            }
        }

        public void Text(JsonElement element)
        {
            if (element.ValueKind == JsonValueKind.String)
            {
                Text(element.GetString());
            }
        }

        /// <summary>Schemas and structured arguments are billed as the text the model reads: their JSON.</summary>
        public void Json(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Undefined or JsonValueKind.Null:
                    return;
                case JsonValueKind.String:
                    Text(element.GetString());
                    return;
                default:
                    Text(Compact(element));
                    return;
            }
        }
    }

    /// <summary>Minified JSON: indentation in the request is formatting, not content the model reads.</summary>
    private static string Compact(JsonElement element)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            element.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static bool Prop(JsonElement obj, string name, out JsonElement value)
    {
        if (obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out value))
        {
            return true;
        }

        value = default;
        return false;
    }

    // ---------------- OpenAI ----------------

    private static void CountOpenAi(string operation, JsonElement root, ref Tally t)
    {
        if (operation == "embeddings")
        {
            if (Prop(root, "input", out var input))
            {
                CountEmbeddingInput(input, ref t);
            }

            return;
        }

        if (Prop(root, "messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
        {
            foreach (var message in messages.EnumerateArray())
            {
                CountOpenAiMessage(message, ref t);
            }

            t.Overhead += TokenCounter.ChatReplyPriming;
        }

        if (Prop(root, "instructions", out var instructions))
        {
            t.Text(instructions);
        }

        if (Prop(root, "input", out var items))
        {
            if (items.ValueKind == JsonValueKind.String)
            {
                t.Overhead += TokenCounter.ChatTokensPerMessage;
                t.Text("user");
                t.Text(items);
            }
            else if (items.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in items.EnumerateArray())
                {
                    CountResponsesItem(item, ref t);
                }
            }

            t.Overhead += TokenCounter.ChatReplyPriming;
        }

        if (Prop(root, "tools", out var tools) && tools.ValueKind == JsonValueKind.Array)
        {
            foreach (var tool in tools.EnumerateArray())
            {
                // Chat: {"type":"function","function":{name,description,parameters}}; Responses: flat.
                var fn = Prop(tool, "function", out var f) ? f : tool;
                CountToolDefinition(fn, "parameters", ref t);
            }
        }

        if (Prop(root, "functions", out var functions) && functions.ValueKind == JsonValueKind.Array)
        {
            foreach (var fn in functions.EnumerateArray())
            {
                CountToolDefinition(fn, "parameters", ref t);
            }
        }
    }

    private static void CountEmbeddingInput(JsonElement input, ref Tally t)
    {
        switch (input.ValueKind)
        {
            case JsonValueKind.String:
                t.Text(input);
                break;
            case JsonValueKind.Array:
                foreach (var item in input.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Number)
                    {
                        t.Raw++; // already tokenized input: one token per id
                    }
                    else
                    {
                        CountEmbeddingInput(item, ref t);
                    }
                }

                break;
        }
    }

    private static void CountOpenAiMessage(JsonElement message, ref Tally t)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        t.Overhead += TokenCounter.ChatTokensPerMessage;
        if (Prop(message, "role", out var role))
        {
            t.Text(role);
        }

        if (Prop(message, "name", out var name) && name.ValueKind == JsonValueKind.String)
        {
            t.Text(name);
            t.Overhead += TokenCounter.ChatTokensPerName;
        }

        if (Prop(message, "content", out var content))
        {
            CountOpenAiContent(content, ref t);
        }

        if (Prop(message, "refusal", out var refusal))
        {
            t.Text(refusal);
        }

        if (Prop(message, "tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
            {
                if (Prop(call, "function", out var fn))
                {
                    if (Prop(fn, "name", out var fnName))
                    {
                        t.Text(fnName);
                    }

                    if (Prop(fn, "arguments", out var args))
                    {
                        t.Json(args);
                    }
                }
            }
        }

        if (Prop(message, "function_call", out var legacyCall))
        {
            if (Prop(legacyCall, "name", out var fnName))
            {
                t.Text(fnName);
            }

            if (Prop(legacyCall, "arguments", out var args))
            {
                t.Json(args);
            }
        }
    }

    private static void CountOpenAiContent(JsonElement content, ref Tally t)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            t.Text(content);
            return;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        // Parts: {"type":"text"|"input_text"|"output_text","text":...}; images/audio/files are not text.
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.String)
            {
                t.Text(part);
            }
            else if (Prop(part, "text", out var text))
            {
                t.Text(text);
            }
            else if (Prop(part, "refusal", out var refusal))
            {
                t.Text(refusal);
            }
        }
    }

    private static void CountResponsesItem(JsonElement item, ref Tally t)
    {
        if (item.ValueKind == JsonValueKind.String)
        {
            t.Text(item);
            return;
        }

        var type = Prop(item, "type", out var ty) && ty.ValueKind == JsonValueKind.String ? ty.GetString() : null;
        switch (type)
        {
            case "function_call":
                if (Prop(item, "name", out var name))
                {
                    t.Text(name);
                }

                if (Prop(item, "arguments", out var args))
                {
                    t.Json(args);
                }

                break;
            case "function_call_output" or "custom_tool_call_output":
                if (Prop(item, "output", out var output))
                {
                    if (output.ValueKind == JsonValueKind.Array)
                    {
                        CountOpenAiContent(output, ref t);
                    }
                    else
                    {
                        t.Json(output);
                    }
                }

                break;
            case "reasoning":
                // Reasoning items carry encrypted/summary content; summaries are text.
                if (Prop(item, "summary", out var summary))
                {
                    CountOpenAiContent(summary, ref t);
                }

                break;
            default:
                // "message" items (type may be omitted: {"role","content"}).
                CountOpenAiMessage(item, ref t);
                break;
        }
    }

    private static void CountToolDefinition(JsonElement fn, string schemaProperty, ref Tally t)
    {
        if (Prop(fn, "name", out var name))
        {
            t.Text(name);
        }

        if (Prop(fn, "description", out var description))
        {
            t.Text(description);
        }

        if (Prop(fn, schemaProperty, out var schema))
        {
            t.Json(schema);
        }
    }

    // ---------------- Anthropic ----------------

    private static void CountAnthropic(JsonElement root, ref Tally t)
    {
        if (Prop(root, "system", out var system))
        {
            CountAnthropicContent(system, ref t);
        }

        if (Prop(root, "messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
        {
            foreach (var message in messages.EnumerateArray())
            {
                if (Prop(message, "content", out var content))
                {
                    CountAnthropicContent(content, ref t);
                }
            }
        }

        if (Prop(root, "tools", out var tools) && tools.ValueKind == JsonValueKind.Array)
        {
            foreach (var tool in tools.EnumerateArray())
            {
                CountToolDefinition(tool, "input_schema", ref t);
            }
        }
    }

    private static void CountAnthropicContent(JsonElement content, ref Tally t)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            t.Text(content);
            return;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var block in content.EnumerateArray())
        {
            var type = Prop(block, "type", out var ty) && ty.ValueKind == JsonValueKind.String ? ty.GetString() : null;
            switch (type)
            {
                case "text":
                    if (Prop(block, "text", out var text))
                    {
                        t.Text(text);
                    }

                    break;
                case "thinking":
                    if (Prop(block, "thinking", out var thinking))
                    {
                        t.Text(thinking);
                    }

                    break;
                case "tool_use" or "server_tool_use":
                    if (Prop(block, "name", out var name))
                    {
                        t.Text(name);
                    }

                    if (Prop(block, "input", out var input))
                    {
                        t.Json(input);
                    }

                    break;
                case "tool_result":
                    if (Prop(block, "content", out var result))
                    {
                        CountAnthropicContent(result, ref t);
                    }

                    break;
                case "document":
                    if (Prop(block, "source", out var source) && Prop(source, "type", out var st) &&
                        st.ValueKind == JsonValueKind.String && st.GetString() == "text" && Prop(source, "data", out var data))
                    {
                        t.Text(data);
                    }

                    break;
            }
        }
    }

    // ---------------- Gemini ----------------

    private static void CountGemini(JsonElement root, ref Tally t)
    {
        // countTokens may wrap the whole request: {"generateContentRequest": {...}}.
        if (Prop(root, "generateContentRequest", out var inner))
        {
            root = inner;
        }

        if (Prop(root, "systemInstruction", out var system) || Prop(root, "system_instruction", out system))
        {
            CountGeminiContent(system, ref t);
        }

        if (Prop(root, "contents", out var contents))
        {
            if (contents.ValueKind == JsonValueKind.Array)
            {
                foreach (var content in contents.EnumerateArray())
                {
                    CountGeminiContent(content, ref t);
                }
            }
            else
            {
                CountGeminiContent(contents, ref t);
            }
        }

        // embedContent: {"content":{"parts":[...]}}
        if (Prop(root, "content", out var single))
        {
            CountGeminiContent(single, ref t);
        }

        if (Prop(root, "tools", out var tools) && tools.ValueKind == JsonValueKind.Array)
        {
            foreach (var tool in tools.EnumerateArray())
            {
                if ((Prop(tool, "functionDeclarations", out var decls) || Prop(tool, "function_declarations", out decls)) &&
                    decls.ValueKind == JsonValueKind.Array)
                {
                    foreach (var decl in decls.EnumerateArray())
                    {
                        CountToolDefinition(decl, Prop(decl, "parameters", out _) ? "parameters" : "parametersJsonSchema", ref t);
                    }
                }
            }
        }
    }

    private static void CountGeminiContent(JsonElement content, ref Tally t)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            t.Text(content);
            return;
        }

        if (!Prop(content, "parts", out var parts) || parts.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var part in parts.EnumerateArray())
        {
            if (Prop(part, "text", out var text))
            {
                t.Text(text);
            }

            if (Prop(part, "functionCall", out var call) || Prop(part, "function_call", out call))
            {
                if (Prop(call, "name", out var name))
                {
                    t.Text(name);
                }

                if (Prop(call, "args", out var args))
                {
                    t.Json(args);
                }
            }

            if (Prop(part, "functionResponse", out var response) || Prop(part, "function_response", out response))
            {
                if (Prop(response, "name", out var name))
                {
                    t.Text(name);
                }

                if (Prop(response, "response", out var body))
                {
                    t.Json(body);
                }
            }
        }
    }
}
