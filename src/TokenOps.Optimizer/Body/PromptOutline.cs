using System.Text.Json;

namespace TokenOps.Optimizer.Body;

/// <summary>What the read-only looks need of one text string: where it is and what it says.</summary>
internal interface ISlot
{
    /// <summary>Index into the conversation array; -1 for system text outside it.</summary>
    int Message { get; }

    /// <summary>system | user | assistant | tool.</summary>
    string Role { get; }

    SlotKind Kind { get; }

    string Text { get; }
}

/// <summary>
/// A read-only outline of a request body for <c>IOptimizer.MayPropose</c>: its dialect, how many conversation entries it
/// has, and its text slots (the same ones, in the same order, with the same roles and kinds as
/// <see cref="PromptDocument.Slots"/>).
/// </summary>
/// <remarks>
/// <para>Why not the <see cref="PromptDocument"/> itself: a document is a <c>JsonObject</c> tree, and touching an object
/// of a tree built over parsed JSON materialises all its properties (~0.9 KB for a 6-property request root, ~0.5 KB
/// per message). The passive worker runs the pipeline on every proxied request and, for most of them, every optimizer
/// says no: read from the <see cref="JsonElement"/> the body was parsed into, that look allocates only the slot texts.
/// The tree is built when an optimizer may propose (on its own copy, as before).</para>
/// <para><see cref="Read"/> mirrors <see cref="PromptDocument.Create"/> and <see cref="PromptDocument.Slots"/> over a
/// <see cref="JsonElement"/>: a JSON null counts as an absent property, as in a tree. A test holds the two to the same
/// answers for every body of the test corpus. <see cref="Of"/> outlines an existing document (after an accepted rewrite
/// there is no element for the new body).</para>
/// </remarks>
internal sealed class PromptOutline
{
    private PromptOutline(BodyDialect dialect, bool hasConversation, int messageCount, IReadOnlyList<ISlot> slots)
    {
        Dialect = dialect;
        HasConversation = hasConversation;
        MessageCount = messageCount;
        Slots = slots;
    }

    public BodyDialect Dialect { get; }

    /// <summary>The body has a conversation array (<see cref="PromptDocument.Container"/> is not null).</summary>
    public bool HasConversation { get; }

    /// <summary>Conversation entries that are objects (<see cref="PromptDocument.Messages"/>' count).</summary>
    public int MessageCount { get; }

    /// <summary>Every text string of the body, system first, in conversation order. Index it: no enumerator is allocated.</summary>
    public IReadOnlyList<ISlot> Slots { get; }

    /// <summary>The outline of a document built from a tree (its slots are the document's own).</summary>
    public static PromptOutline Of(PromptDocument document) =>
        new(document.Dialect, document.Container is not null, document.Messages.Count, document.ReadOnlySlots);

    /// <summary>The slot holding the stable prefix's system text: the first slot when it is system text (OpenAI chat: only
    /// when its message is the first one), else null.</summary>
    public static T? FirstSystemSlot<T>(IReadOnlyList<T> slots, BodyDialect dialect)
        where T : class, ISlot
    {
        if (slots.Count == 0 || slots[0].Kind != SlotKind.System)
        {
            return null;
        }

        return dialect == BodyDialect.OpenAIChat && slots[0].Message != 0 ? null : slots[0];
    }

    /// <summary>The outline of <paramref name="root"/>, or null when it is not a chat-style body we understand (exactly
    /// when <see cref="PromptDocument.Create"/> returns null for the same JSON).</summary>
    public static PromptOutline? Read(string provider, string? operation, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        BodyDialect dialect;
        JsonElement container = default;
        JsonElement? plainInput = null; // OpenAI Responses with a string (or other value) for input: no conversation
        switch (provider)
        {
            case "anthropic":
                if (!TryArray(root, "messages", out container))
                {
                    return null;
                }

                dialect = BodyDialect.Anthropic;
                break;
            case "gemini":
                if (!TryArray(root, "contents", out container))
                {
                    return null;
                }

                dialect = BodyDialect.Gemini;
                break;
            default:
                if (operation == "responses" || (Get(root, "messages") is null && Get(root, "input") is not null))
                {
                    var input = Get(root, "input");
                    if (input is { ValueKind: JsonValueKind.Array } items)
                    {
                        container = items;
                    }
                    else if (input is { } value && IsValue(value))
                    {
                        plainInput = value;
                    }
                    else
                    {
                        return null;
                    }

                    dialect = BodyDialect.OpenAIResponses;
                }
                else if (TryArray(root, "messages", out container))
                {
                    dialect = BodyDialect.OpenAIChat;
                }
                else
                {
                    return null;
                }

                break;
        }

        var slots = new List<ISlot>();
        switch (dialect)
        {
            case BodyDialect.OpenAIResponses when Get(root, "instructions") is { } instructions && IsValue(instructions):
                slots.Add(new ElementSlot(instructions, -1, "system", SlotKind.System));
                break;
            case BodyDialect.Anthropic:
                AddAnthropicContent(slots, root, "system", -1, "system", SlotKind.System);
                break;
            case BodyDialect.Gemini:
                var system = Get(root, "systemInstruction") ?? Get(root, "system_instruction");
                if (system is { ValueKind: JsonValueKind.Object } sys && TryArray(sys, "parts", out var systemParts))
                {
                    AddGeminiParts(slots, systemParts, -1, "system", SlotKind.System);
                }

                break;
        }

        if (plainInput is { } plain)
        {
            slots.Add(new ElementSlot(plain, -1, "user", SlotKind.Message));
            return new PromptOutline(dialect, false, 0, slots);
        }

        var count = 0;
        var index = 0;
        foreach (var node in container.EnumerateArray())
        {
            if (node.ValueKind == JsonValueKind.Object)
            {
                count++;
                AddMessage(slots, dialect, index, node);
            }

            index++;
        }

        return new PromptOutline(dialect, true, count, slots);
    }

    /// <summary>PromptDocument.Describe and the per-message part of PromptDocument.Slots, for one conversation entry.</summary>
    private static void AddMessage(List<ISlot> slots, BodyDialect dialect, int index, JsonElement node)
    {
        var role = Get(node, "role") is { ValueKind: JsonValueKind.String } r ? r : (JsonElement?)null;
        switch (dialect)
        {
            case BodyDialect.OpenAIChat:
            {
                var isToolResult = RoleIs(role, "tool") || RoleIs(role, "function");
                var normalised = RoleIs(role, "system") || RoleIs(role, "developer") ? "system" : RoleName(role) ?? "user";
                var kind = normalised == "system" ? SlotKind.System : isToolResult ? SlotKind.ToolResult : SlotKind.Message;
                AddOpenAIContent(slots, node, "content", index, normalised, kind);
                break;
            }

            case BodyDialect.OpenAIResponses:
            {
                var type = Get(node, "type") is { ValueKind: JsonValueKind.String } t ? t : (JsonElement?)null;
                var isToolResult = RoleIs(type, "function_call_output") || RoleIs(type, "custom_tool_call_output");
                var hasToolCall = RoleIs(type, "function_call") || RoleIs(type, "custom_tool_call");
                var normalised = hasToolCall || RoleIs(type, "reasoning") ? "assistant"
                    : isToolResult ? "tool"
                    : RoleIs(role, "system") || RoleIs(role, "developer") ? "system"
                    : RoleName(role) ?? "user";
                if (isToolResult)
                {
                    AddOpenAIContent(slots, node, "output", index, normalised, SlotKind.ToolResult);
                }
                else if (!hasToolCall)
                {
                    AddOpenAIContent(slots, node, "content", index, normalised, normalised == "system" ? SlotKind.System : SlotKind.Message);
                }

                break;
            }

            case BodyDialect.Anthropic:
                AddAnthropicContent(slots, node, "content", index, RoleName(role) ?? "user", SlotKind.Message);
                break;
            default:
                if (TryArray(node, "parts", out var parts))
                {
                    AddGeminiParts(slots, parts, index, RoleIs(role, "model") ? "assistant" : RoleName(role) ?? "user", SlotKind.Message);
                }

                break;
        }
    }

    private static void AddOpenAIContent(List<ISlot> slots, JsonElement node, string property, int message, string role, SlotKind kind)
    {
        switch (Get(node, property))
        {
            case { ValueKind: JsonValueKind.String } text:
                slots.Add(new ElementSlot(text, message, role, kind));
                break;
            case { ValueKind: JsonValueKind.Array } parts:
                foreach (var part in parts.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.Object && Get(part, "text") is { ValueKind: JsonValueKind.String } text)
                    {
                        slots.Add(new ElementSlot(text, message, role, kind));
                    }
                }

                break;
        }
    }

    private static void AddAnthropicContent(List<ISlot> slots, JsonElement node, string property, int message, string role, SlotKind kind)
    {
        switch (Get(node, property))
        {
            case { ValueKind: JsonValueKind.String } text:
                slots.Add(new ElementSlot(text, message, role, kind));
                break;
            case { ValueKind: JsonValueKind.Array } blocks:
                foreach (var block in blocks.EnumerateArray())
                {
                    if (block.ValueKind != JsonValueKind.Object || Get(block, "type") is not { ValueKind: JsonValueKind.String } type)
                    {
                        continue;
                    }

                    if (type.ValueEquals("text"u8))
                    {
                        if (Get(block, "text") is { } text && IsValue(text))
                        {
                            slots.Add(new ElementSlot(text, message, role, kind));
                        }
                    }
                    else if (type.ValueEquals("tool_result"u8))
                    {
                        AddAnthropicContent(slots, block, "content", message, role, SlotKind.ToolResult);
                    }
                }

                break;
        }
    }

    private static void AddGeminiParts(List<ISlot> slots, JsonElement parts, int message, string role, SlotKind kind)
    {
        foreach (var part in parts.EnumerateArray())
        {
            // Gemini "thought" parts are the model's own reasoning summaries: leave them alone.
            if (part.ValueKind == JsonValueKind.Object && Get(part, "text") is { ValueKind: JsonValueKind.String } text && Get(part, "thought") is null)
            {
                slots.Add(new ElementSlot(text, message, role, kind));
            }
        }
    }

    /// <summary>A property as a tree sees it: null when absent or JSON null.</summary>
    private static JsonElement? Get(JsonElement node, string property) =>
        node.TryGetProperty(property, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static bool TryArray(JsonElement node, string property, out JsonElement array)
    {
        if (node.TryGetProperty(property, out array) && array.ValueKind == JsonValueKind.Array)
        {
            return true;
        }

        array = default;
        return false;
    }

    /// <summary>What a tree holds as a <c>JsonValue</c>: a string, number or boolean.</summary>
    private static bool IsValue(JsonElement value) =>
        value.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False;

    private static bool RoleIs(JsonElement? value, string expected) => value is { } v && v.ValueEquals(expected);

    /// <summary>The role string; the common ones without allocating.</summary>
    private static string? RoleName(JsonElement? value)
    {
        if (value is not { } v)
        {
            return null;
        }

        return v.ValueEquals("user"u8) ? "user"
            : v.ValueEquals("assistant"u8) ? "assistant"
            : v.ValueEquals("tool"u8) ? "tool"
            : v.GetString();
    }

    /// <summary>A slot read from a <see cref="JsonElement"/>; its text is decoded on first read.</summary>
    private sealed class ElementSlot(JsonElement value, int message, string role, SlotKind kind) : ISlot
    {
        private string? _text;

        public int Message { get; } = message;

        public string Role { get; } = role;

        public SlotKind Kind { get; } = kind;

        // A tree's slot reads "" from a value that is not a string (e.g. a numeric "instructions").
        public string Text => _text ??= value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
    }
}
