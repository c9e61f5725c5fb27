using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TokenOps.Core.Events;

namespace TokenOps.Proxy.Tests.Observation;

/// <summary>
/// Prefix chaining on the conversation shapes the official SDKs send in an agent loop (multi-turn with tool calls):
/// turn N+1's parent hash must equal turn N's messages hash, for every provider.
/// </summary>
public sealed class MessageFingerprintTests
{
    private static PromptEvent Run(string provider, string path, string body) =>
        ObserverHarness.Run(provider, path, body, 200, "application/json", null, [], null);

    // openai-node chat.completions with tools: user → assistant tool_calls → tool result → …
    private const string OpenAITools = ""","tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]""";
    private const string OpenAITurn1 = """{"model":"gpt-4o","messages":[{"role":"system","content":"You are a weather bot."},{"role":"user","content":"Weather in Paris and Rome?"}],"x":1""" + OpenAITools + "}";
    private const string OpenAITurn2 = """{"model":"gpt-4o","messages":[{"role":"system","content":"You are a weather bot."},{"role":"user","content":"Weather in Paris and Rome?"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},{"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}]},{"role":"tool","tool_call_id":"call_1","content":"18C"},{"role":"tool","tool_call_id":"call_2","content":"24C"}],"x":1""" + OpenAITools + "}";
    // The same conversation re-serialised with another key order and whitespace must hash the same.
    private const string OpenAITurn3 = """{"messages":[ {"content":"You are a weather bot.","role":"system"},{"content":"Weather in Paris and Rome?","role":"user"},{"role":"assistant","tool_calls":[{"type":"function","id":"call_1","function":{"arguments":"{\"city\":\"Paris\"}","name":"get_weather"}},{"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}],"content":null},{"role":"tool","tool_call_id":"call_1","content":"18C"},{"role":"tool","tool_call_id":"call_2","content":"24C"},{"role":"assistant","content":"Paris 18C, Rome 24C."},{"role":"user","content":"And Oslo?"}],"model":"gpt-4o","x":1""" + OpenAITools + "}";

    [Fact]
    public void Fill_OpenAIChatAgentLoop_ChainsTurnsAndCountsTools()
    {
        var t1 = Run("openai", "/v1/chat/completions", OpenAITurn1);
        var t2 = Run("openai", "/v1/chat/completions", OpenAITurn2);
        var t3 = Run("openai", "/v1/chat/completions", OpenAITurn3);

        Assert.NotNull(t1.MessagesHash);
        Assert.Null(t1.ParentMessagesHash);
        Assert.Equal(t1.MessagesHash, t2.ParentMessagesHash);
        Assert.Equal(t2.MessagesHash, t3.ParentMessagesHash);
        Assert.Equal(1, t1.ToolCount);
        Assert.InRange(t1.ToolDefinitionTokens ?? 0, 20, 80);
        Assert.Equal(0, t1.ToolCallCount);
        Assert.Equal(2, t2.ToolCallCount);
        Assert.NotNull(t2.LastToolCallHash);
        Assert.Null(t3.LastToolCallHash); // the last assistant turn answered in text
        Assert.Equal(32, t1.MessagesHash!.Length);
    }

    [Fact]
    public void Fill_AnthropicToolUseLoop_ChainsEvenWhenCacheControlMoves()
    {
        const string tools = ""","tools":[{"name":"read_file","description":"Read a file","input_schema":{"type":"object","properties":{"path":{"type":"string"}}}}]""";
        var t1 = Run("anthropic", "/v1/messages", """{"model":"claude-sonnet-4-5","max_tokens":1024,"system":"You are a coding agent.","messages":[{"role":"user","content":[{"type":"text","text":"Fix the bug in main.py","cache_control":{"type":"ephemeral"}}]}],"x":1""" + tools + "}");
        var t2 = Run("anthropic", "/v1/messages", """{"model":"claude-sonnet-4-5","max_tokens":1024,"system":"You are a coding agent.","messages":[{"role":"user","content":[{"type":"text","text":"Fix the bug in main.py"}]},{"role":"assistant","content":[{"type":"text","text":"Let me look."},{"type":"tool_use","id":"toolu_01","name":"read_file","input":{"path":"main.py"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"print(1/0)","cache_control":{"type":"ephemeral"}}]}],"x":1""" + tools + "}");
        var t3 = Run("anthropic", "/v1/messages", """{"model":"claude-sonnet-4-5","max_tokens":1024,"system":"You are a coding agent.","messages":[{"role":"user","content":[{"type":"text","text":"Fix the bug in main.py"}]},{"role":"assistant","content":[{"type":"text","text":"Let me look."},{"type":"tool_use","id":"toolu_01","name":"read_file","input":{"path":"main.py"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"print(1/0)"}]},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_02","name":"read_file","input":{"path":"main.py"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_02","content":"print(1/0)"}]}],"x":1""" + tools + "}");

        Assert.Equal(t1.MessagesHash, t2.ParentMessagesHash);
        Assert.Equal(t2.MessagesHash, t3.ParentMessagesHash);
        Assert.Equal(1, t2.ToolCallCount);
        Assert.Equal(2, t3.ToolCallCount);
        // Same tool, same input, different tool_use ids: the repeat is recognised (agent_loop evidence).
        Assert.Equal(t2.LastToolCallHash, t3.LastToolCallHash);
        Assert.Equal(1, t1.ToolCount);
    }

    [Fact]
    public void Fill_GeminiFunctionCallingLoop_Chains()
    {
        const string tools = ""","tools":[{"functionDeclarations":[{"name":"search","parameters":{"type":"object","properties":{"q":{"type":"string"}}}},{"name":"open","parameters":{"type":"object","properties":{"url":{"type":"string"}}}}]}]""";
        var t1 = Run("gemini", "/v1beta/models/gemini-2.5-flash:generateContent", """{"systemInstruction":{"parts":[{"text":"Research assistant"}]},"contents":[{"role":"user","parts":[{"text":"Who won in 1998?"}]}],"x":1""" + tools + "}");
        var t2 = Run("gemini", "/v1beta/models/gemini-2.5-flash:generateContent", """{"systemInstruction":{"parts":[{"text":"Research assistant"}]},"contents":[{"role":"user","parts":[{"text":"Who won in 1998?"}]},{"role":"model","parts":[{"functionCall":{"name":"search","args":{"q":"1998 winner"}}}]},{"role":"user","parts":[{"functionResponse":{"name":"search","response":{"result":"France"}}}]}],"x":1""" + tools + "}");

        Assert.Equal(t1.MessagesHash, t2.ParentMessagesHash);
        Assert.Equal(2, t1.ToolCount);
        Assert.Equal(1, t2.ToolCallCount);
        Assert.NotNull(t2.LastToolCallHash);
    }

    [Fact]
    public void Fill_OpenAIResponsesFunctionCallItems_Chains()
    {
        var t1 = Run("openai", "/v1/responses", """{"model":"gpt-5","instructions":"Be brief","input":[{"role":"user","content":"Time in Tokyo?"}],"tools":[{"type":"function","name":"time","parameters":{"type":"object","properties":{}}}]}""");
        var t2 = Run("openai", "/v1/responses", """{"model":"gpt-5","instructions":"Be brief","input":[{"role":"user","content":"Time in Tokyo?"},{"type":"reasoning","id":"rs_1","summary":[]},{"type":"function_call","call_id":"c1","name":"time","arguments":"{}"},{"type":"function_call_output","call_id":"c1","output":"10:00"}],"tools":[{"type":"function","name":"time","parameters":{"type":"object","properties":{}}}]}""");

        Assert.Equal(t1.MessagesHash, t2.ParentMessagesHash);
        Assert.Equal(1, t2.ToolCallCount);
    }

    [Fact]
    public void Fill_DifferentSystemPromptOrEditedHistory_DoesNotChain()
    {
        var t1 = Run("openai", "/v1/chat/completions", OpenAITurn1);
        var edited = Run("openai", "/v1/chat/completions", OpenAITurn2.Replace("Paris and Rome", "Paris and Oslo", StringComparison.Ordinal));
        var embeddings = Run("openai", "/v1/embeddings", """{"model":"text-embedding-3-small","input":"hello"}""");

        Assert.NotEqual(t1.MessagesHash, edited.ParentMessagesHash);
        Assert.Null(embeddings.MessagesHash);
        Assert.Null(embeddings.ToolCount);
    }

    // Bodies whose canonical form the byte-level route must reproduce exactly, or hand to the string route: escapes in
    // values and keys, non-ASCII keys (UTF-8 and UTF-16 orders differ past the BMP), a repeated key, cache_control
    // spelled plainly and escaped, numbers and literals, surrogate pairs raw and escaped, a value longer than the stack
    // buffer, nesting.
    public static TheoryData<string> CanonicalBodies() => new()
    {
        """[{"role":"user","content":"plain"}]""",
        """[{"role":"user","content":"line\nbreak \"quoted\" caf\u00e9 \/ \\"}]""",
        """[{"role":"user","content":"café 😀 日本"},{"role":"assistant","content":"\ud83d\ude00"}]""",
        """[{"rôle":"user","content":"x","é":1,"z":2,"a":3}]""",
        """[{"\uE000":1,"\ud83d\ude00":2,"b":3}]""",
        """[{"b":1,"a":2,"b":3}]""",
        """[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}}]}]""",
        """[{"role":"user","cache\u005fcontrol":{"type":"ephemeral"},"content":"x"}]""",
        """[{"role":"user","content":"n","n":1.50e3,"t":true,"f":false,"z":null,"neg":-0,"arr":[1,[2,[3,{}]],[]]}]""",
        "[{\"role\":\"user\",\"content\":\"" + new string('x', 3000) + "é\\n\"}]",
        """[{"role":"user","content":"x","Z":1,"_":2,"a":3,"A":4,"~":5,"0":6}]""",
        """[{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},{"role":"tool","tool_call_id":"c1","content":"ok"}]""",
    };

    [Theory]
    [MemberData(nameof(CanonicalBodies))]
    public void Fill_MessagesHash_EqualsTheStringDefinitionOfTheCanonicalForm(string messages)
    {
        var e = Run("openai", "/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":" + messages + "}");

        using var doc = JsonDocument.Parse(messages);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        ReferenceString(hash, "openai");
        foreach (var m in doc.RootElement.EnumerateArray())
        {
            ReferenceCanonical(hash, m);
        }

        Assert.Equal(Convert.ToHexStringLower(hash.GetCurrentHash().AsSpan(0, 16)), e.MessagesHash);
    }

    [Fact]
    public void Fill_ManyBodiesOnOneThread_SameHashesAsFresh()
    {
        // The SHA-256 contexts are reused per thread: every fill must start clean, including after a body that threw.
        var first = Run("openai", "/v1/chat/completions", OpenAITurn2);
        for (var i = 0; i < 50; i++)
        {
            Run("anthropic", "/v1/messages", """{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"x"}]}""");
            Run("openai", "/v1/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"broken""");
        }

        var again = Run("openai", "/v1/chat/completions", OpenAITurn2);
        Assert.Equal(first.MessagesHash, again.MessagesHash);
        Assert.Equal(first.ParentMessagesHash, again.ParentMessagesHash);
        Assert.Equal(first.LastToolCallHash, again.LastToolCallHash);
    }

    // The canonical form as first defined, on strings: sorted keys (ordinal), cache_control skipped, type tags, UTF-8
    // length-prefixed strings, raw text for numbers and literals.
    private static void ReferenceCanonical(IncrementalHash hash, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = element.EnumerateObject().Select(p => p.Name).Where(n => n != "cache_control").ToList();
                names.Sort(StringComparer.Ordinal);
                hash.AppendData("{"u8);
                foreach (var name in names)
                {
                    ReferenceString(hash, name);
                    ReferenceCanonical(hash, element.GetProperty(name));
                }

                hash.AppendData("}"u8);
                break;
            case JsonValueKind.Array:
                hash.AppendData("["u8);
                foreach (var item in element.EnumerateArray())
                {
                    ReferenceCanonical(hash, item);
                }

                hash.AppendData("]"u8);
                break;
            case JsonValueKind.String:
                hash.AppendData("s"u8);
                ReferenceString(hash, element.GetString()!);
                break;
            default:
                hash.AppendData("v"u8);
                ReferenceString(hash, element.GetRawText());
                break;
        }
    }

    private static void ReferenceString(IncrementalHash hash, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var length = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }
}
