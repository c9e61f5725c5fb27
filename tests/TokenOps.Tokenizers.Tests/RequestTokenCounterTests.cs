using System.Text;

namespace TokenOps.Tokenizers.Tests;

public sealed class RequestTokenCounterTests
{
    private static TokenCount Count(string provider, string operation, string? model, string json) =>
        RequestTokenCounter.Count(provider, operation, model, Encoding.UTF8.GetBytes(json))!.Value;

    [Fact]
    public void Count_OpenAiChat_ExactCookbookCount()
    {
        const string body = """
            {"model":"gpt-4o","messages":[
              {"role":"system","content":"You are a helpful assistant."},
              {"role":"user","content":[{"type":"text","text":"What is the capital of France?"},{"type":"image_url","image_url":{"url":"data:xx"}}]}
            ],"max_tokens":100}
            """;
        var count = Count("openai", "chat", "gpt-4o", body);
        Assert.Equal(24, count.Tokens);
        Assert.Equal("o200k_base", count.Tokenizer);
        Assert.True(count.Exact);
    }

    [Fact]
    public void Count_OpenAiChatWithTools_CountsNameDescriptionAndMinifiedSchema()
    {
        // 24 (messages) + get_weather 2 + description 7 + schema 19 = 52; schema whitespace is not counted.
        const string body = """
            {"model":"gpt-4o","messages":[
              {"role":"system","content":"You are a helpful assistant."},
              {"role":"user","content":"What is the capital of France?"}],
             "tools":[{"type":"function","function":{"name":"get_weather","description":"Get the current weather for a city",
               "parameters": { "type": "object", "properties": { "city": { "type": "string" } }, "required": ["city"] }}}]}
            """;
        Assert.Equal(52, Count("openai", "chat", "gpt-4o", body).Tokens);
    }

    [Fact]
    public void Count_OpenAiChatToolCallAndResult_CountsArgumentsAndResultText()
    {
        // assistant: 3 + role 1 + name 2 + args {"city":"Paris"} ; tool: 3 + role 1 + "Paris" 1 ; priming 3.
        var args = TokenCounter.CountText("gpt-4o", "{\"city\":\"Paris\"}").Tokens;
        var toolRole = TokenCounter.CountText("gpt-4o", "tool").Tokens;
        const string body = """
            {"model":"gpt-4o","messages":[
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"Paris"}]}
            """;
        Assert.Equal(3 + 1 + 2 + args + 3 + toolRole + 1 + 3, Count("openai", "chat", "gpt-4o", body).Tokens);
    }

    [Fact]
    public void Count_OpenAiEmbeddings_CountsInputsWithoutOverhead()
    {
        const string body = """{"model":"text-embedding-3-small","input":["Hello, world!","I like turtles"]}""";
        var count = Count("openai", "embeddings", "text-embedding-3-small", body);
        Assert.Equal(4 + 3, count.Tokens);
        Assert.Equal("cl100k_base", count.Tokenizer);
    }

    [Fact]
    public void Count_OpenAiResponses_InstructionsAndStringInput()
    {
        // instructions 6 + (3 + user 1 + 7) + priming 3 = 20.
        const string body = """{"model":"gpt-5","instructions":"You are a helpful assistant.","input":"What is the capital of France?"}""";
        Assert.Equal(20, Count("openai", "responses", "gpt-5", body).Tokens);
    }

    [Fact]
    public void Count_AnthropicMessages_SystemMessagesToolsScaled()
    {
        // raw o200k: system 10 + "Hello there" 2 + tool_use name 2 + tool_result "Paris" 1
        //            + tool def name 2 + description 7 + schema 19 = 43 → ceil(43 × 1.2) = 52.
        const string body = """
            {"model":"claude-sonnet-4-5","max_tokens":1024,
             "system":[{"type":"text","text":"The food was delicious and the waiter was friendly."}],
             "messages":[{"role":"user","content":"Hello there"},
               {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"get_weather","input":{}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"Paris"}]}],
             "tools":[{"name":"get_weather","description":"Get the current weather for a city",
               "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]}
            """;
        var empty = TokenCounter.CountRaw(TokenizerKind.O200kBase, "{}");
        var count = Count("anthropic", "messages", "claude-sonnet-4-5", body);
        Assert.Equal((int)Math.Ceiling((43 + empty) * 1.2), count.Tokens);
        Assert.Equal("estimate:anthropic", count.Tokenizer);
        Assert.False(count.Exact);
    }

    [Fact]
    public void Count_GeminiGenerateContent_SystemContentsFunctionsScaled()
    {
        // raw: system 10 + "Hello there" 2 + functionCall name 2 + args {"city":"Paris"} + decl 2+7+19.
        var args = TokenCounter.CountRaw(TokenizerKind.O200kBase, "{\"city\":\"Paris\"}");
        const string body = """
            {"systemInstruction":{"parts":[{"text":"The food was delicious and the waiter was friendly."}]},
             "contents":[{"role":"user","parts":[{"text":"Hello there"}]},
                         {"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}]}],
             "tools":[{"functionDeclarations":[{"name":"get_weather","description":"Get the current weather for a city",
               "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]}],
             "generationConfig":{"maxOutputTokens":256}}
            """;
        var count = Count("gemini", "generateContent", "gemini-2.5-flash", body);
        Assert.Equal((int)Math.Ceiling((10 + 2 + 2 + args + 2 + 7 + 19) * 1.05), count.Tokens);
        Assert.Equal("estimate:gemini", count.Tokenizer);
    }

    [Fact]
    public void Count_InvalidJson_ReturnsNull()
    {
        Assert.Null(RequestTokenCounter.Count("openai", "chat", "gpt-4o", Encoding.UTF8.GetBytes("{\"messages\":[")));
    }
}
