using System.Text;
using System.Text.Json.Nodes;

namespace TokenOps.Optimizer.Body;

/// <summary>The request shapes the optimizers understand.</summary>
public enum BodyDialect
{
    /// <summary>OpenAI Chat Completions: <c>messages[]</c> with string or part-array content, <c>tool_calls</c>, role <c>tool</c>.</summary>
    OpenAIChat,

    /// <summary>OpenAI Responses: <c>instructions</c> + <c>input</c> (string or items: messages, function_call, function_call_output).</summary>
    OpenAIResponses,

    /// <summary>Anthropic Messages: <c>system</c> (string or text blocks), <c>messages[]</c> with text/tool_use/tool_result blocks.</summary>
    Anthropic,

    /// <summary>Gemini generateContent: <c>systemInstruction</c>, <c>contents[]</c> of role user|model with <c>parts[]</c>.</summary>
    Gemini,
}

/// <summary>Where a text string lives: a string property of a JSON object (message content, a block's text, a part's text...).</summary>
internal enum SlotKind
{
    System,
    Message,
    ToolResult,
}

/// <summary>One editable text string in the body. Setting <see cref="Text"/> writes it back into the JSON tree.</summary>
internal sealed class TextSlot(JsonObject owner, string property, int message, string role, SlotKind kind) : ISlot
{
    public JsonObject Owner { get; } = owner;

    public string Property { get; } = property;

    /// <summary>Index into <see cref="PromptDocument.Messages"/>; -1 for system text.</summary>
    public int Message { get; } = message;

    /// <summary>system | user | assistant | tool.</summary>
    public string Role { get; } = role;

    public SlotKind Kind { get; } = kind;

    // Read once: a parsed value transcodes its UTF-8 to a new string on every read, and the optimizers of one passive run
    // share these slots (PromptDocument.ReadOnlySlots). The tree is edited through this setter only, so the copy holds.
    private string? _text;

    public string Text
    {
        get => _text ??= Owner[Property] is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";
        set
        {
            Owner[Property] = value;
            _text = value;
        }
    }
}

/// <summary>One conversation entry (message / input item / content) with what the trimmer must know about it.</summary>
internal sealed class MessageInfo
{
    public required int Index { get; init; }

    public required JsonObject Node { get; init; }

    /// <summary>system | user | assistant | tool (normalised across providers; Gemini "model" → assistant).</summary>
    public required string Role { get; init; }

    /// <summary>Carries only tool results (OpenAI role tool / function_call_output, Anthropic tool_result blocks, Gemini functionResponse parts).</summary>
    public bool IsToolResult { get; init; }

    /// <summary>Asks for a tool (OpenAI tool_calls / function_call item, Anthropic tool_use, Gemini functionCall).</summary>
    public bool HasToolCall { get; init; }

    /// <summary>A real user turn: the user speaking, not a tool result travelling in a user message.</summary>
    public bool IsUserTurn => Role == "user" && !IsToolResult;
}

/// <summary>
/// A provider-neutral view over a parsed request body (System.Text.Json.Nodes, AOT-safe: no reflection is involved
/// in parsing or writing a <see cref="JsonNode"/>). Optimizers read messages and text slots through it and edit the
/// underlying tree in place; the tree stays the provider's own schema because edits only replace string values,
/// remove whole entries from the conversation array, or add documented fields (<c>cache_control</c>).
/// </summary>
internal sealed class PromptDocument
{
    private PromptDocument(JsonObject root, BodyDialect dialect, string provider, JsonArray? container)
    {
        Root = root;
        Dialect = dialect;
        Provider = provider;
        Container = container;
    }

    public JsonObject Root { get; }

    public BodyDialect Dialect { get; }

    public string Provider { get; }

    /// <summary>The conversation array: messages / input / contents (null when the Responses input is a plain string).</summary>
    public JsonArray? Container { get; }

    /// <summary>Property of <see cref="Root"/> holding <see cref="Container"/>.</summary>
    public string ContainerProperty => Dialect switch
    {
        BodyDialect.OpenAIResponses => "input",
        BodyDialect.Gemini => "contents",
        _ => "messages",
    };

    public List<MessageInfo> Messages { get; } = [];

    /// <summary>Dialect for a provider/operation and body, or null when the body is not a chat-style request we understand.</summary>
    public static PromptDocument? Create(string provider, string? operation, JsonObject root)
    {
        PromptDocument doc;
        switch (provider)
        {
            case "anthropic":
                if (root["messages"] is not JsonArray am)
                {
                    return null;
                }

                doc = new PromptDocument(root, BodyDialect.Anthropic, provider, am);
                break;
            case "gemini":
                var contents = root["contents"];
                if (contents is not JsonArray gc)
                {
                    return null;
                }

                doc = new PromptDocument(root, BodyDialect.Gemini, provider, gc);
                break;
            default:
                if (operation == "responses" || (root["messages"] is null && root["input"] is not null))
                {
                    var input = root["input"];
                    if (input is JsonArray items)
                    {
                        doc = new PromptDocument(root, BodyDialect.OpenAIResponses, provider, items);
                    }
                    else if (input is JsonValue)
                    {
                        doc = new PromptDocument(root, BodyDialect.OpenAIResponses, provider, null);
                    }
                    else
                    {
                        return null;
                    }
                }
                else if (root["messages"] is JsonArray cm)
                {
                    doc = new PromptDocument(root, BodyDialect.OpenAIChat, provider, cm);
                }
                else
                {
                    return null;
                }

                break;
        }

        doc.Index();
        return doc;
    }

    private void Index()
    {
        if (Container is null)
        {
            return;
        }

        for (var i = 0; i < Container.Count; i++)
        {
            if (Container[i] is JsonObject node)
            {
                Messages.Add(Describe(i, node));
            }
        }
    }

    private MessageInfo Describe(int index, JsonObject node)
    {
        var role = Str(node["role"]);
        switch (Dialect)
        {
            case BodyDialect.OpenAIChat:
                return new MessageInfo
                {
                    Index = index,
                    Node = node,
                    Role = role is "system" or "developer" ? "system" : role ?? "user",
                    IsToolResult = role is "tool" or "function",
                    HasToolCall = node["tool_calls"] is JsonArray { Count: > 0 } || node["function_call"] is JsonObject,
                };
            case BodyDialect.OpenAIResponses:
                var type = Str(node["type"]);
                return new MessageInfo
                {
                    Index = index,
                    Node = node,
                    Role = type switch
                    {
                        "function_call" or "custom_tool_call" or "reasoning" => "assistant",
                        "function_call_output" or "custom_tool_call_output" => "tool",
                        _ => role is "system" or "developer" ? "system" : role ?? "user",
                    },
                    IsToolResult = type is "function_call_output" or "custom_tool_call_output",
                    HasToolCall = type is "function_call" or "custom_tool_call",
                };
            case BodyDialect.Anthropic:
                var blocks = node["content"] as JsonArray;
                return new MessageInfo
                {
                    Index = index,
                    Node = node,
                    Role = role ?? "user",
                    IsToolResult = blocks is { Count: > 0 } && AllBlocks(blocks, "tool_result"),
                    HasToolCall = blocks is not null && AnyBlock(blocks, "tool_use"),
                };
            default:
                var parts = node["parts"] as JsonArray;
                return new MessageInfo
                {
                    Index = index,
                    Node = node,
                    Role = role == "model" ? "assistant" : role ?? "user",
                    IsToolResult = parts is { Count: > 0 } && AllParts(parts, "functionResponse", "function_response"),
                    HasToolCall = parts is not null && AnyPart(parts, "functionCall", "function_call"),
                };
        }
    }

    private List<TextSlot>? _readOnlySlots;

    /// <summary>
    /// <see cref="Slots"/> built once and kept, for read-only looks at a document nobody edits (its
    /// <see cref="PromptOutline"/>, a system prompt to find). An optimizer editing its own copy calls <see cref="Slots"/>:
    /// removing messages changes the list.
    /// </summary>
    public IReadOnlyList<TextSlot> ReadOnlySlots => _readOnlySlots ??= Slots();

    /// <summary>Every text string of the body, system first, in conversation order. Tool arguments and schemas are not text slots.</summary>
    public List<TextSlot> Slots()
    {
        var slots = new List<TextSlot>();
        switch (Dialect)
        {
            case BodyDialect.OpenAIChat:
                foreach (var m in Messages)
                {
                    var kind = m.Role == "system" ? SlotKind.System : m.IsToolResult ? SlotKind.ToolResult : SlotKind.Message;
                    AddOpenAIContent(slots, m.Node, "content", m, kind);
                }

                break;
            case BodyDialect.OpenAIResponses:
                if (Root["instructions"] is JsonValue)
                {
                    slots.Add(new TextSlot(Root, "instructions", -1, "system", SlotKind.System));
                }

                if (Container is null)
                {
                    if (Root["input"] is JsonValue)
                    {
                        slots.Add(new TextSlot(Root, "input", -1, "user", SlotKind.Message));
                    }

                    break;
                }

                foreach (var m in Messages)
                {
                    if (m.IsToolResult)
                    {
                        AddOpenAIContent(slots, m.Node, "output", m, SlotKind.ToolResult);
                    }
                    else if (!m.HasToolCall)
                    {
                        AddOpenAIContent(slots, m.Node, "content", m, m.Role == "system" ? SlotKind.System : SlotKind.Message);
                    }
                }

                break;
            case BodyDialect.Anthropic:
                AddAnthropicContent(slots, Root, "system", -1, "system", SlotKind.System);
                foreach (var m in Messages)
                {
                    AddAnthropicContent(slots, m.Node, "content", m.Index, m.Role, SlotKind.Message);
                }

                break;
            default:
                var system = Root["systemInstruction"] ?? Root["system_instruction"];
                if (system is JsonObject sys && sys["parts"] is JsonArray sysParts)
                {
                    AddGeminiParts(slots, sysParts, -1, "system", SlotKind.System);
                }

                foreach (var m in Messages)
                {
                    if (m.Node["parts"] is JsonArray parts)
                    {
                        AddGeminiParts(slots, parts, m.Index, m.Role, SlotKind.Message);
                    }
                }

                break;
        }

        return slots;
    }

    private static void AddOpenAIContent(List<TextSlot> slots, JsonObject node, string property, MessageInfo m, SlotKind kind)
    {
        switch (node[property])
        {
            case JsonValue v when v.TryGetValue<string>(out _):
                slots.Add(new TextSlot(node, property, m.Index, m.Role, kind));
                break;
            case JsonArray parts:
                foreach (var part in parts)
                {
                    if (part is JsonObject p && p["text"] is JsonValue t && t.TryGetValue<string>(out _))
                    {
                        slots.Add(new TextSlot(p, "text", m.Index, m.Role, kind));
                    }
                }

                break;
        }
    }

    private static void AddAnthropicContent(List<TextSlot> slots, JsonObject node, string property, int message, string role, SlotKind kind)
    {
        switch (node[property])
        {
            case JsonValue v when v.TryGetValue<string>(out _):
                slots.Add(new TextSlot(node, property, message, role, kind));
                break;
            case JsonArray blocks:
                foreach (var block in blocks)
                {
                    if (block is not JsonObject b)
                    {
                        continue;
                    }

                    switch (Str(b["type"]))
                    {
                        case "text":
                            if (b["text"] is JsonValue)
                            {
                                slots.Add(new TextSlot(b, "text", message, role, kind));
                            }

                            break;
                        case "tool_result":
                            AddAnthropicContent(slots, b, "content", message, role, SlotKind.ToolResult);
                            break;
                    }
                }

                break;
        }
    }

    private static void AddGeminiParts(List<TextSlot> slots, JsonArray parts, int message, string role, SlotKind kind)
    {
        foreach (var part in parts)
        {
            // Gemini "thought" parts are the model's own reasoning summaries: leave them alone.
            if (part is JsonObject p && p["text"] is JsonValue t && t.TryGetValue<string>(out _) && p["thought"] is null)
            {
                slots.Add(new TextSlot(p, "text", message, role, kind));
            }
        }
    }

    /// <summary>Index (into <see cref="Messages"/>) of the last real user turn, or -1.</summary>
    public int LastUserTurn()
    {
        for (var i = Messages.Count - 1; i >= 0; i--)
        {
            if (Messages[i].IsUserTurn)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>All text of one message (by container index), joined with blank lines.</summary>
    public string TextOf(int containerIndex, List<TextSlot> slots)
    {
        var sb = new StringBuilder();
        foreach (var slot in slots)
        {
            if (slot.Message == containerIndex)
            {
                if (sb.Length > 0)
                {
                    sb.Append("\n\n");
                }

                sb.Append(slot.Text);
            }
        }

        return sb.ToString();
    }

    /// <summary>A plain assistant text message in this dialect (used for the context-trim marker).</summary>
    public JsonObject AssistantText(string text) => Dialect switch
    {
        BodyDialect.Gemini => new JsonObject { ["role"] = "model", ["parts"] = new JsonArray(new JsonObject { ["text"] = text }) },
        BodyDialect.Anthropic => new JsonObject { ["role"] = "assistant", ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }) },
        _ => new JsonObject { ["role"] = "assistant", ["content"] = text },
    };

    public static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static bool AllBlocks(JsonArray blocks, string type)
    {
        foreach (var b in blocks)
        {
            if (b is not JsonObject o || Str(o["type"]) != type)
            {
                return false;
            }
        }

        return true;
    }

    private static bool AnyBlock(JsonArray blocks, string type)
    {
        foreach (var b in blocks)
        {
            if (b is JsonObject o && Str(o["type"]) == type)
            {
                return true;
            }
        }

        return false;
    }

    private static bool AllParts(JsonArray parts, string name, string altName)
    {
        foreach (var p in parts)
        {
            if (p is not JsonObject o || (o[name] is null && o[altName] is null))
            {
                return false;
            }
        }

        return true;
    }

    private static bool AnyPart(JsonArray parts, string name, string altName)
    {
        foreach (var p in parts)
        {
            if (p is JsonObject o && (o[name] is not null || o[altName] is not null))
            {
                return true;
            }
        }

        return false;
    }
}
