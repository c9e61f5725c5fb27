using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TokenOps.Optimizer.Body;
using TokenOps.Optimizer.Pipeline;

namespace TokenOps.Optimizer.PromptCacheHint;

/// <summary>
/// <c>prompt_cache_hint</c>: make the provider's prompt cache hit on long prefixes that repeat — where the real savings are.
/// </summary>
/// <remarks>
/// <para><b>Anthropic</b> caches only up to explicit <c>cache_control</c> breakpoints
/// (https://docs.claude.com/en/docs/build-with-claude/prompt-caching). The prefix order is tools → system → messages.
/// Per session (X-TokenOps-Session-Id, else the credential hash) a bounded LRU keeps SHA-256 prefix hashes (8 bytes, never
/// text): h₀ = H(tools, system) and the chain hₖ = H(hₖ₋₁, message k). A breakpoint is added only where a prefix was
/// already seen in that session AND is at least <c>optimizer.cache_hint.min_tokens</c> (1024; 2048 for Haiku models, the
/// documented minimum cacheable lengths): <c>{"type":"ephemeral"}</c> on the last system block (a string system prompt
/// becomes one text block; with tools and no system, on the last tool) and on the last non-thinking block of the
/// longest repeated message prefix — at most 2 of the 4 allowed breakpoints. Requests that already carry
/// <c>cache_control</c> are left to their author. Each request records h₀, hₙ₋₁ and hₙ (the next turn of an agent loop
/// extends hₙ).</para>
/// <para><b>OpenAI and Gemini</b> cache automatically by exact prefix (OpenAI: ≥ 1024 tokens,
/// https://platform.openai.com/docs/guides/prompt-caching; Gemini 2.5 implicit caching). What breaks it is volatile
/// text early in the prompt. Lines of the system prompt / instructions that carry a timestamp, date, clock time or UUID
/// and are followed by stable text are moved to the end of that prompt, so the stable part forms a cacheable prefix of
/// ≥ min_tokens.</para>
/// <para>Savings (per later request that hits): the cacheable prefix priced at the input rate minus priced at the
/// cache-read rate — both through the one cost function (scratch event with CachedInputTokens). Token counts do not
/// change (cached tokens are still input tokens). Quality: 0.99 for breakpoints (the model reads identical text), 0.9
/// for a moved line (instruction order changed).</para>
/// </remarks>
internal sealed partial class CacheHintOptimizer(OptimizerOptions options) : IOptimizer
{
    public const double BreakpointQuality = 0.99;
    public const double ReorderQuality = 0.9;

    private readonly PrefixCache _cache = new(Math.Max(1, options.CacheHintSessions), Math.Max(3, options.CacheHintPrefixesPerSession));

    public string Kind => OptimizerKinds.PromptCacheHint;

    internal PrefixCache Cache => _cache;

    [GeneratedRegex(@"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2})?|\b\d{1,2}:\d{2}(?::\d{2})?\b|\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b|\b(?:current|today'?s)\s+(?:date|time)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex VolatileRegex();

    /// <summary>
    /// Anthropic: always (every request records its prefixes for the session). Otherwise only a first system text with
    /// a volatile line (date, time, UUID) to move out of the cacheable prefix; lines are matched in place, no copies.
    /// </summary>
    public bool MayPropose(OptimizerLook look)
    {
        if (look.Outline.Dialect == BodyDialect.Anthropic)
        {
            return true;
        }

        if (PromptOutline.FirstSystemSlot(look.Outline.Slots, look.Outline.Dialect) is not { } slot)
        {
            return false;
        }

        // The same lines Propose looks at: split on '\n' only.
        var text = slot.Text.AsSpan();
        foreach (var range in text.Split('\n'))
        {
            var line = text[range];
            if (line.Length <= 200 && VolatileRegex().IsMatch(line))
            {
                return true;
            }
        }

        return false;
    }

    public OptimizerProposal? Propose(OptimizerInput input) =>
        input.Document.Dialect == BodyDialect.Anthropic ? ProposeAnthropic(input) : ProposeReorder(input);

    private int MinTokens(string? model) =>
        model is not null && model.Contains("haiku", StringComparison.OrdinalIgnoreCase) ? Math.Max(options.CacheHintMinTokens, 2048) : options.CacheHintMinTokens;

    // ---------------- Anthropic: cache_control breakpoints ----------------

    private OptimizerProposal? ProposeAnthropic(OptimizerInput input)
    {
        var root = input.Document.Root;
        if (HasCacheControl(root))
        {
            return null;
        }

        var session = input.Request.SessionId ?? input.Request.CredentialHash ?? "default";
        var messages = input.Document.Messages;
        var chain = new ulong[messages.Count + 1];
        var state = Hash(0, (root["tools"]?.ToJsonString() ?? "") + "\u0001" + (root["system"]?.ToJsonString() ?? ""));
        chain[0] = state;
        for (var k = 0; k < messages.Count; k++)
        {
            chain[k + 1] = Hash(chain[k], messages[k].Node.ToJsonString());
        }

        var systemSeen = (root["system"] is not null || root["tools"] is not null) && _cache.Contains(session, chain[0]);
        var longest = 0;
        for (var k = messages.Count - 1; k >= 1; k--)
        {
            if (_cache.Contains(session, chain[k]))
            {
                longest = k;
                break;
            }
        }

        _cache.Record(session, chain[0]);
        if (messages.Count >= 1)
        {
            _cache.Record(session, chain[messages.Count - 1]);
        }

        _cache.Record(session, chain[messages.Count]);

        var min = MinTokens(input.Model);
        var breakpoints = new List<string>();
        var cacheable = 0;
        if (longest > 0)
        {
            var prefixTokens = PrefixTokens(input, longest);
            if (prefixTokens >= min && MarkMessage(messages[longest - 1].Node))
            {
                breakpoints.Add("message #" + longest.ToString(CultureInfo.InvariantCulture));
                cacheable = prefixTokens;
            }
        }

        if (systemSeen)
        {
            var systemTokens = PrefixTokens(input, 0);
            if (systemTokens >= min && MarkSystem(root))
            {
                breakpoints.Insert(0, root["system"] is null ? "tools" : "system");
                cacheable = Math.Max(cacheable, systemTokens);
            }
        }

        if (breakpoints.Count == 0)
        {
            return null;
        }

        return new OptimizerProposal
        {
            Body = root,
            Quality = BreakpointQuality,
            CacheableTokens = cacheable,
            Reason = string.Create(CultureInfo.InvariantCulture,
                $"cache_control breakpoint(s) on {string.Join(" and ", breakpoints)}: a {cacheable}-token prefix repeats in this session and can be read from the prompt cache"),
        };
    }

    /// <summary>Tokens of tools + system + the first <paramref name="messageCount"/> messages.</summary>
    private static int PrefixTokens(OptimizerInput input, int messageCount)
    {
        var root = input.Document.Root;
        var probe = new JsonObject();
        if (root["system"] is { } system)
        {
            probe["system"] = system.DeepClone();
        }

        if (root["tools"] is { } tools)
        {
            probe["tools"] = tools.DeepClone();
        }

        var array = new JsonArray();
        for (var k = 0; k < messageCount; k++)
        {
            array.Add(input.Document.Messages[k].Node.DeepClone());
        }

        probe["messages"] = array;
        return input.Meter.Count(probe, input.Model);
    }

    private static bool MarkSystem(JsonObject root)
    {
        switch (root["system"])
        {
            case JsonValue v when v.TryGetValue<string>(out var text) && text.Length > 0:
                root["system"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text, ["cache_control"] = Ephemeral() });
                return true;
            case JsonArray blocks when blocks.Count > 0 && blocks[^1] is JsonObject last:
                last["cache_control"] = Ephemeral();
                return true;
            case null when root["tools"] is JsonArray { Count: > 0 } tools && tools[^1] is JsonObject lastTool:
                lastTool["cache_control"] = Ephemeral();
                return true;
            default:
                return false;
        }
    }

    private static bool MarkMessage(JsonObject message)
    {
        switch (message["content"])
        {
            case JsonValue v when v.TryGetValue<string>(out var text) && text.Length > 0:
                message["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text, ["cache_control"] = Ephemeral() });
                return true;
            case JsonArray blocks:
                // Thinking blocks cannot carry cache_control; mark the last block that can.
                for (var i = blocks.Count - 1; i >= 0; i--)
                {
                    if (blocks[i] is JsonObject block && PromptDocument.Str(block["type"]) is not ("thinking" or "redacted_thinking"))
                    {
                        block["cache_control"] = Ephemeral();
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    private static JsonObject Ephemeral() => new() { ["type"] = "ephemeral" };

    private static bool HasCacheControl(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    if (key == "cache_control" || HasCacheControl(value))
                    {
                        return true;
                    }
                }

                return false;
            case JsonArray a:
                foreach (var item in a)
                {
                    if (HasCacheControl(item))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    private static ulong Hash(ulong previous, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var buffer = new byte[8 + bytes.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(buffer, previous);
        bytes.CopyTo(buffer, 8);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer, digest);
        return BinaryPrimitives.ReadUInt64LittleEndian(digest);
    }

    // ---------------- OpenAI / Gemini: stable prefix first ----------------

    private OptimizerProposal? ProposeReorder(OptimizerInput input)
    {
        var slot = PromptOutline.FirstSystemSlot(input.Document.ReadOnlySlots, input.Document.Dialect);
        if (slot is null)
        {
            return null;
        }

        var lines = slot.Text.Split('\n');
        var volatileLines = new List<int>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length <= 200 && VolatileRegex().IsMatch(lines[i]))
            {
                volatileLines.Add(i);
            }
        }

        if (volatileLines.Count == 0)
        {
            return null;
        }

        var stable = new StringBuilder();
        var moved = new StringBuilder();
        var cursor = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            if (cursor < volatileLines.Count && volatileLines[cursor] == i)
            {
                moved.Append('\n').Append(lines[i]);
                cursor++;
            }
            else
            {
                if (stable.Length > 0)
                {
                    stable.Append('\n');
                }

                stable.Append(lines[i]);
            }
        }

        // Nothing stable follows the volatile lines: they are already at the end.
        var afterFirst = string.Join('\n', lines, volatileLines[0] + 1, lines.Length - volatileLines[0] - 1);
        var onlyVolatileAfter = true;
        for (var i = volatileLines[0] + 1; i < lines.Length; i++)
        {
            if (!volatileLines.Contains(i) && lines[i].Trim().Length > 0)
            {
                onlyVolatileAfter = false;
                break;
            }
        }

        if (onlyVolatileAfter || afterFirst.Length == 0)
        {
            return null;
        }

        var stableText = stable.ToString().TrimEnd();
        var cacheable = input.Meter.CountText(stableText, input.Model) + ToolTokens(input);
        if (cacheable < MinTokens(input.Model))
        {
            return null;
        }

        slot.Text = stableText + "\n" + moved.ToString();
        return new OptimizerProposal
        {
            Body = input.Document.Root,
            Quality = ReorderQuality,
            CacheableTokens = cacheable,
            Reason = string.Create(CultureInfo.InvariantCulture,
                $"moved {volatileLines.Count} volatile line(s) (date/time/id) to the end of the system prompt so its {cacheable}-token stable prefix can hit the provider's automatic prompt cache"),
        };
    }

    private static int ToolTokens(OptimizerInput input)
    {
        if (input.Document.Root["tools"] is not JsonArray tools || tools.Count == 0)
        {
            return 0;
        }

        var probe = new JsonObject { ["tools"] = tools.DeepClone() };
        var empty = new JsonObject();
        return Math.Max(0, input.Meter.Count(probe, input.Model) - input.Meter.Count(empty, input.Model));
    }
}
