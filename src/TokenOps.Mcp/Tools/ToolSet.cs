namespace TokenOps.Mcp.Tools;

/// <summary>Every tool the server exposes, in tools/list order.</summary>
internal static class ToolSet
{
    public static IEnumerable<McpTool> Create(McpToolContext context)
    {
        yield return CountTokensTool.Create();
    }
}
