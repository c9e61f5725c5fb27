namespace TokenOps.Mcp.Tools;

/// <summary>Every tool the server exposes, in tools/list order.</summary>
internal static class ToolSet
{
    public static IEnumerable<McpTool> Create(McpToolContext context)
    {
        foreach (var tool in InsightsTools.Create(context))
        {
            yield return tool;
        }

        yield return CountTokensTool.Create();
        foreach (var tool in DaemonTools.Create(context))
        {
            yield return tool;
        }
    }
}
