using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Runtime.InteropServices;
using TokenOps.Core.Events;
using TokenOps.Tokenizers;
using ProviderNames = TokenOps.Core.Events.Providers;

namespace TokenOps.Proxy.Observation;

/// <summary>
/// Conversation fingerprints for workflow inference and the waste rules, computed at Complete (off the request path)
/// from the already-parsed request body: <see cref="PromptEvent.MessagesHash"/>, <see cref="PromptEvent.ParentMessagesHash"/>,
/// tool definition count/tokens, tool calls in the history and the hash of the last assistant turn's tool calls.
/// </summary>
/// <remarks>
/// <para>Why "before the last assistant turn": an agent loop sends request N+1 = request N's messages + the assistant's
/// reply + the tool results / next user message. So the messages in front of the last assistant turn of request N+1 are
/// exactly request N's messages, and <c>Parent(N+1) == Messages(N)</c> chains the two without any header.</para>
/// <para>The hash is canonical, not of the raw bytes: object keys are sorted, whitespace is ignored, and the fields that
/// legitimately change between turns of one conversation are skipped — <c>cache_control</c> (clients move the Anthropic
/// cache breakpoint to the newest message each turn, https://docs.claude.com/en/docs/build-with-claude/prompt-caching).
/// Nothing else is normalised: an edited or reordered history starts a new chain (see docs/workflows.md for the limits).</para>
/// </remarks>
internal static class MessageFingerprint
{
    private const int HashBytes = 16;

    public static void Fill(PromptEvent e, string provider, string operation, JsonElement root)
    {
        if (operation is not (Operations.Chat or Operations.Responses or Operations.Messages or Operations.GenerateContent
            or Operations.StreamGenerateContent))
        {
            return;
        }

        var (system, messages) = Locate(provider, operation, root);
        FillTools(e, provider, root);
        if (messages.ValueKind != JsonValueKind.Array && messages.ValueKind != JsonValueKind.String)
        {
            return;
        }

        using var lease = HashLease.Rent();
        var hash = lease.Hash;
        AppendString(hash, provider);
        if (system.ValueKind != JsonValueKind.Undefined)
        {
            AppendCanonical(hash, system);
        }

        if (messages.ValueKind == JsonValueKind.String)
        {
            // Responses API with a plain string input: a one-message conversation.
            AppendCanonical(hash, messages);
            e.MessagesHash = Hex(hash);
            return;
        }

        var turnStart = LastAssistantTurnStart(messages);
        var toolCalls = 0;
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            if (index == turnStart)
            {
                e.ParentMessagesHash = Hex(hash);
            }

            AppendCanonical(hash, message);
            toolCalls += CountToolCalls(message);
            index++;
        }

        e.MessagesHash = Hex(hash);
        e.ToolCallCount = toolCalls;
        if (turnStart >= 0)
        {
            e.LastToolCallHash = HashTurnToolCalls(messages, turnStart);
        }
    }

    /// <summary>Where each API keeps the system prompt and the conversation.</summary>
    private static (JsonElement System, JsonElement Messages) Locate(string provider, string operation, JsonElement root)
    {
        if (provider == ProviderNames.Gemini)
        {
            root.TryGetProperty("systemInstruction", out var system);
            if (system.ValueKind == JsonValueKind.Undefined)
            {
                root.TryGetProperty("system_instruction", out system);
            }

            root.TryGetProperty("contents", out var contents);
            return (system, contents);
        }

        if (operation == Operations.Responses)
        {
            root.TryGetProperty("instructions", out var instructions);
            root.TryGetProperty("input", out var input);
            return (instructions, input);
        }

        root.TryGetProperty("system", out var sys); // Anthropic; OpenAI chat keeps it in messages[0]
        root.TryGetProperty("messages", out var messages);
        return (sys, messages);
    }

    /// <summary>Index of the first item of the last contiguous run of assistant-side items, or -1.</summary>
    private static int LastAssistantTurnStart(JsonElement messages)
    {
        var last = -1;
        var i = 0;
        foreach (var m in messages.EnumerateArray())
        {
            if (IsAssistantSide(m))
            {
                last = i;
            }

            i++;
        }

        if (last < 0)
        {
            return -1;
        }

        var start = last;
        while (start > 0 && IsAssistantSide(messages[start - 1]))
        {
            start--;
        }

        return start;
    }

    /// <summary>An item the model produced: role assistant (OpenAI, Anthropic), model (Gemini), or a Responses output item.</summary>
    private static bool IsAssistantSide(JsonElement m)
    {
        if (m.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        if (m.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String)
        {
            return role.ValueEquals("assistant"u8) || role.ValueEquals("model"u8);
        }

        return m.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
            && (type.ValueEquals("function_call"u8) || type.ValueEquals("reasoning"u8) || type.ValueEquals("custom_tool_call"u8));
    }

    private static int CountToolCalls(JsonElement m)
    {
        if (m.ValueKind != JsonValueKind.Object)
        {
            return 0;
        }

        var n = 0;
        if (m.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            n += calls.GetArrayLength(); // OpenAI chat
        }

        if (m.TryGetProperty("function_call", out var legacy) && legacy.ValueKind == JsonValueKind.Object)
        {
            n++; // OpenAI chat, legacy functions
        }

        if (m.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
            && (type.ValueEquals("function_call"u8) || type.ValueEquals("custom_tool_call"u8)))
        {
            n++; // Responses API item
        }

        if (IsAssistantSide(m) && (m.TryGetProperty("content", out var blocks) || m.TryGetProperty("parts", out blocks))
            && blocks.ValueKind == JsonValueKind.Array)
        {
            foreach (var b in blocks.EnumerateArray())
            {
                if (b.ValueKind == JsonValueKind.Object
                    && ((b.TryGetProperty("type", out var bt) && bt.ValueKind == JsonValueKind.String && bt.ValueEquals("tool_use"u8))
                        || b.TryGetProperty("functionCall", out _)))
                {
                    n++; // Anthropic tool_use block, Gemini functionCall part
                }
            }
        }

        return n;
    }

    /// <summary>Hash of (name, arguments) of every tool call in the last assistant turn; call ids are excluded so a repeat is recognised.</summary>
    private static string? HashTurnToolCalls(JsonElement messages, int turnStart)
    {
        using var lease = HashLease.Rent();
        var hash = lease.Hash;
        var calls = 0;
        var count = messages.GetArrayLength();
        for (var i = turnStart; i < count; i++)
        {
            var m = messages[i];
            if (!IsAssistantSide(m))
            {
                break;
            }

            if (m.TryGetProperty("tool_calls", out var toolCalls) && toolCalls.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in toolCalls.EnumerateArray())
                {
                    if (call.ValueKind == JsonValueKind.Object && call.TryGetProperty("function", out var f))
                    {
                        AppendProperty(hash, f, "name");
                        AppendProperty(hash, f, "arguments");
                        calls++;
                    }
                }
            }

            if (m.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.ValueEquals("function_call"u8))
            {
                AppendProperty(hash, m, "name");
                AppendProperty(hash, m, "arguments");
                calls++;
            }

            if ((m.TryGetProperty("content", out var blocks) || m.TryGetProperty("parts", out blocks)) && blocks.ValueKind == JsonValueKind.Array)
            {
                foreach (var b in blocks.EnumerateArray())
                {
                    if (b.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }

                    if (b.TryGetProperty("type", out var bt) && bt.ValueKind == JsonValueKind.String && bt.ValueEquals("tool_use"u8))
                    {
                        AppendProperty(hash, b, "name");
                        AppendProperty(hash, b, "input");
                        calls++;
                    }
                    else if (b.TryGetProperty("functionCall", out var fc) && fc.ValueKind == JsonValueKind.Object)
                    {
                        AppendProperty(hash, fc, "name");
                        AppendProperty(hash, fc, "args");
                        calls++;
                    }
                }
            }
        }

        return calls == 0 ? null : Hex(hash);
    }

    private static void FillTools(PromptEvent e, string provider, JsonElement root)
    {
        if (!root.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array)
        {
            if (!root.TryGetProperty("functions", out tools) || tools.ValueKind != JsonValueKind.Array)
            {
                return;
            }
        }

        var count = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            // Gemini groups declarations: tools: [{ functionDeclarations: [...] }].
            if (tool.ValueKind == JsonValueKind.Object
                && (tool.TryGetProperty("functionDeclarations", out var decls) || tool.TryGetProperty("function_declarations", out decls))
                && decls.ValueKind == JsonValueKind.Array)
            {
                count += decls.GetArrayLength();
            }
            else
            {
                count++;
            }
        }

        if (count == 0)
        {
            return;
        }

        e.ToolCount = count;
        e.ToolDefinitionTokens = TokenCounter.CountText(e.RequestModel, tools.GetRawText(), provider).Tokens;
    }

    private static void AppendProperty(IncrementalHash hash, JsonElement obj, string name)
    {
        if (obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value))
        {
            AppendCanonical(hash, value);
        }
        else
        {
            hash.AppendData("\0"u8);
        }
    }

    /// <summary>Type-tagged, length-prefixed canonical form: sorted keys, no whitespace, <c>cache_control</c> skipped.</summary>
    /// <remarks>
    /// Runs once per request on the metering thread, so it reads the document's own UTF-8 bytes
    /// (<see cref="JsonMarshal"/>) instead of making a string per key and value. Where those bytes could differ from what
    /// the string would encode to — a backslash escape, a key outside ASCII (UTF-8 byte order is not UTF-16 order), a
    /// repeated key — it takes the string route, so the hash is the same either way (tests compare both).
    /// </remarks>
    private static void AppendCanonical(IncrementalHash hash, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                AppendObject(hash, element);
                break;
            case JsonValueKind.Array:
                hash.AppendData("["u8);
                foreach (var item in element.EnumerateArray())
                {
                    AppendCanonical(hash, item);
                }

                hash.AppendData("]"u8);
                break;
            case JsonValueKind.String:
                hash.AppendData("s"u8);
                var raw = JsonMarshal.GetRawUtf8Value(element);
                raw = raw[1..^1]; // the quotes
                if (raw.IndexOf((byte)'\\') < 0)
                {
                    AppendUtf8(hash, raw);
                }
                else
                {
                    AppendString(hash, element.GetString() ?? "");
                }

                break;
            default:
                hash.AppendData("v"u8);
                AppendUtf8(hash, JsonMarshal.GetRawUtf8Value(element)); // a number or literal: ASCII, as GetRawText has it
                break;
        }
    }

    private static void AppendObject(IncrementalHash hash, JsonElement element)
    {
        var count = 0;
        foreach (var _ in element.EnumerateObject())
        {
            count++;
        }

        var properties = ArrayPool<JsonProperty>.Shared.Rent(Math.Max(1, count));
        try
        {
            var kept = 0;
            var plain = true;
            foreach (var p in element.EnumerateObject())
            {
                var name = JsonMarshal.GetRawUtf8PropertyName(p);
                if (!Ascii.IsValid(name) || name.IndexOf((byte)'\\') >= 0)
                {
                    plain = false;
                    break;
                }

                if (!name.SequenceEqual("cache_control"u8))
                {
                    properties[kept++] = p;
                }
            }

            var sorted = properties.AsSpan(0, kept);
            if (plain)
            {
                sorted.Sort(RawNameOrder.Instance);
                for (var i = 1; i < sorted.Length && plain; i++)
                {
                    plain = !JsonMarshal.GetRawUtf8PropertyName(sorted[i]).SequenceEqual(JsonMarshal.GetRawUtf8PropertyName(sorted[i - 1]));
                }
            }

            if (!plain)
            {
                AppendObjectByStrings(hash, element);
                return;
            }

            hash.AppendData("{"u8);
            foreach (var p in sorted)
            {
                AppendUtf8(hash, JsonMarshal.GetRawUtf8PropertyName(p));
                AppendCanonical(hash, p.Value);
            }

            hash.AppendData("}"u8);
        }
        finally
        {
            properties.AsSpan(0, count).Clear();
            ArrayPool<JsonProperty>.Shared.Return(properties);
        }
    }

    /// <summary>The string route for an object with escaped, non-ASCII or repeated keys (the canonical form's definition).</summary>
    private static void AppendObjectByStrings(IncrementalHash hash, JsonElement element)
    {
        var names = new List<string>();
        foreach (var p in element.EnumerateObject())
        {
            if (p.Name != "cache_control")
            {
                names.Add(p.Name);
            }
        }

        names.Sort(StringComparer.Ordinal);
        hash.AppendData("{"u8);
        foreach (var name in names)
        {
            AppendString(hash, name);
            AppendCanonical(hash, element.GetProperty(name));
        }

        hash.AppendData("}"u8);
    }

    private static void AppendString(IncrementalHash hash, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        byte[]? rented = null;
        var bytes = length <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            AppendUtf8(hash, bytes[..Encoding.UTF8.GetBytes(value, bytes)]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static void AppendUtf8(IncrementalHash hash, ReadOnlySpan<byte> utf8)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, utf8.Length);
        hash.AppendData(length);
        hash.AppendData(utf8);
    }

    private static string Hex(IncrementalHash hash)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        hash.GetCurrentHash(digest);
        return Convert.ToHexStringLower(digest[..HashBytes]);
    }

    /// <summary>Ordinal order of ASCII keys, compared as the document's bytes (the same order as the strings').</summary>
    private sealed class RawNameOrder : IComparer<JsonProperty>
    {
        public static readonly RawNameOrder Instance = new();

        public int Compare(JsonProperty x, JsonProperty y) =>
            JsonMarshal.GetRawUtf8PropertyName(x).SequenceCompareTo(JsonMarshal.GetRawUtf8PropertyName(y));
    }

    /// <summary>
    /// A SHA-256 context reused by the metering thread (two per thread: the conversation's and the tool calls'), where a new
    /// one per request was a native context and three managed objects.
    /// </summary>
    private readonly ref struct HashLease : IDisposable
    {
        [ThreadStatic]
        private static IncrementalHash? t_first;

        [ThreadStatic]
        private static IncrementalHash? t_second;

        private HashLease(IncrementalHash hash) => Hash = hash;

        public IncrementalHash Hash { get; }

        public static HashLease Rent()
        {
            IncrementalHash? hash;
            if (t_first is not null)
            {
                (hash, t_first) = (t_first, null);
            }
            else if (t_second is not null)
            {
                (hash, t_second) = (t_second, null);
            }
            else
            {
                hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            }

            return new HashLease(hash);
        }

        /// <summary>Resets the context (whatever was appended, even by a fill that threw) and keeps it for the next one.</summary>
        public void Dispose()
        {
            Span<byte> discard = stackalloc byte[SHA256.HashSizeInBytes];
            Hash.GetHashAndReset(discard);
            if (t_first is null)
            {
                t_first = Hash;
            }
            else if (t_second is null)
            {
                t_second = Hash;
            }
            else
            {
                Hash.Dispose();
            }
        }
    }
}
