using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace TokenOps.Mcp.Tests;

public sealed class McpToolCatalogTests
{
    private static readonly McpToolContext Context = new()
    {
        Version = "0.0.0-test",
        StorePath = Path.Combine(Path.GetTempPath(), "tokenops-mcp-missing", "events.db"),
        DaemonUrl = "http://127.0.0.1:9",
    };

    private static Dictionary<string, JsonElement> Args(string json)
    {
        using var document = JsonDocument.Parse(json);
        var result = new Dictionary<string, JsonElement>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            result[property.Name] = property.Value.Clone();
        }

        return result;
    }

    private static Task<CallToolResult> Call(string name, string json) =>
        new McpToolCatalog(Context).CallAsync(new CallToolRequestParams { Name = name, Arguments = Args(json) }, CancellationToken.None).AsTask();

    [Fact]
    public void List_EveryTool_NamedTokenOpsWithObjectSchemas()
    {
        var list = new McpToolCatalog(Context).List();
        Assert.NotEmpty(list.Tools);
        Assert.All(list.Tools, tool =>
        {
            Assert.StartsWith("tokenops_", tool.Name, StringComparison.Ordinal);
            Assert.Equal("object", tool.InputSchema.GetProperty("type").GetString());
            Assert.Equal("object", tool.OutputSchema!.Value.GetProperty("type").GetString());
            Assert.False(string.IsNullOrWhiteSpace(tool.Description));
        });
    }

    [Fact]
    public async Task CountTokens_Text_ExactO200k()
    {
        var result = await Call("tokenops_count_tokens", """{"model":"gpt-4o","text":"hello world"}""");
        Assert.NotEqual(true, result.IsError);
        var structured = result.StructuredContent!.Value;
        Assert.Equal(2, structured.GetProperty("tokens").GetInt32());
        Assert.Equal("o200k_base", structured.GetProperty("tokenizer").GetString());
        Assert.True(structured.GetProperty("exact").GetBoolean());
        Assert.Contains("2 tokens", ((TextContentBlock)result.Content[0]).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CountTokens_Messages_AddsChatOverhead()
    {
        var result = await Call("tokenops_count_tokens", """{"model":"gpt-4o","messages":[{"role":"user","content":"hello world"}]}""");
        var structured = result.StructuredContent!.Value;
        // 3 (message) + 1 ("user") + 2 ("hello world") + 3 (reply priming)
        Assert.Equal(9, structured.GetProperty("tokens").GetInt32());
        Assert.Equal(1, structured.GetProperty("message_count").GetInt32());
    }

    [Fact]
    public async Task CountTokens_Claude_LabelledEstimate()
    {
        var result = await Call("tokenops_count_tokens", """{"model":"claude-sonnet-4-5","text":"hello world"}""");
        var structured = result.StructuredContent!.Value;
        Assert.False(structured.GetProperty("exact").GetBoolean());
        Assert.Equal("estimate:anthropic", structured.GetProperty("tokenizer").GetString());
    }

    [Theory]
    [InlineData("""{"text":"x"}""", "Missing required argument 'model'")]
    [InlineData("""{"model":42,"text":"x"}""", "Argument 'model' must be a string, got the number 42")]
    [InlineData("""{"model":"gpt-4o"}""", "exactly one of 'text' or 'messages'")]
    [InlineData("""{"model":"gpt-4o","text":"x","colour":"red"}""", "Unknown argument 'colour'")]
    [InlineData("""{"model":"gpt-4o","provider":"mistral","text":"x"}""", "must be one of openai, anthropic, gemini")]
    [InlineData("""{"model":"gpt-4o","messages":[{"role":"user"}]}""", "messages[0] must be an object")]
    public async Task CountTokens_BadInput_ToolErrorWithClearMessage(string json, string expected)
    {
        var result = await Call("tokenops_count_tokens", json);
        Assert.True(result.IsError);
        Assert.Contains(expected, ((TextContentBlock)result.Content[0]).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_UnknownTool_ProtocolErrorInvalidParams()
    {
        var ex = await Assert.ThrowsAsync<McpProtocolException>(() => Call("tokenops_nope", "{}"));
        Assert.Equal(McpErrorCode.InvalidParams, ex.ErrorCode);
    }
}
