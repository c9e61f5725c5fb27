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
}
