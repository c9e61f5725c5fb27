using System.Text.Json;

namespace TokenOps.Mcp;

/// <summary>
/// One MCP tool: its name (always <c>tokenops_*</c>), schemas, and a handler that returns the same
/// structured record the CLI prints with <c>--json</c> plus a readable text summary.
/// </summary>
internal sealed class McpTool
{
    public McpTool(string name, string title, string description, string inputSchema, string outputSchema, Func<ToolArguments, CancellationToken, ValueTask<ToolOutput>> handler)
    {
        Name = name;
        Title = title;
        Description = description;
        InputSchema = Parse(inputSchema);
        OutputSchema = Parse(outputSchema);
        Handler = handler;
    }

    public string Name { get; }

    public string Title { get; }

    public string Description { get; }

    public JsonElement InputSchema { get; }

    public JsonElement OutputSchema { get; }

    public Func<ToolArguments, CancellationToken, ValueTask<ToolOutput>> Handler { get; }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}

/// <summary>A tool's result: the structured object (validated by clients against the output schema) and a text summary.</summary>
internal readonly record struct ToolOutput(JsonElement Structured, string Text);

/// <summary>A tool input the caller got wrong: reported as a tool error (isError) so the agent can correct itself.</summary>
internal sealed class ToolInputException(string message) : Exception(message);
