using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using TokenOps.Insights;

namespace TokenOps.Mcp;

/// <summary>The tools the server exposes and the one place that turns their outcomes into MCP results.</summary>
internal sealed class McpToolCatalog
{
    private readonly Dictionary<string, McpTool> _tools = new(StringComparer.Ordinal);
    private readonly ListToolsResult _list;

    public McpToolCatalog(McpToolContext context)
    {
        foreach (var tool in Tools.ToolSet.Create(context))
        {
            _tools.Add(tool.Name, tool);
        }

        var list = new List<Tool>(_tools.Count);
        foreach (var tool in _tools.Values)
        {
            list.Add(new Tool
            {
                Name = tool.Name,
                Title = tool.Title,
                Description = tool.Description,
                InputSchema = tool.InputSchema,
                OutputSchema = tool.OutputSchema,
                Annotations = new ToolAnnotations { ReadOnlyHint = true, OpenWorldHint = false },
            });
        }

        _list = new ListToolsResult { Tools = list };
    }

    public IReadOnlyCollection<string> Names => _tools.Keys;

    public ListToolsResult List() => _list;

    public async ValueTask<CallToolResult> CallAsync(CallToolRequestParams? request, CancellationToken cancellationToken)
    {
        if (request is null || !_tools.TryGetValue(request.Name, out var tool))
        {
            // Unknown tool: a protocol error (JSON-RPC -32602), per the MCP spec's tools section.
            throw new McpProtocolException($"Unknown tool '{request?.Name}'. Call tools/list for the available tokenops_* tools.", McpErrorCode.InvalidParams);
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: false);
        try
        {
            var arguments = new ToolArguments(request.Arguments is null ? null : new Dictionary<string, JsonElement>(request.Arguments));
            arguments.RejectUnknown(tool.InputSchema);
            var output = await tool.Handler(arguments, cancellationToken).ConfigureAwait(false);
            return new CallToolResult
            {
                Content = [new TextContentBlock { Text = output.Text }],
                StructuredContent = output.Structured,
            };
        }
        catch (ToolInputException ex)
        {
            return Error(ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            // A broken store or a bug in one tool must not take the server down: report it to the agent.
            return Error($"{tool.Name} failed: {ex.Message}");
        }
        finally
        {
            HeapTrim.AfterAllocating(GC.GetTotalAllocatedBytes(precise: false) - allocated);
        }
    }

    private static CallToolResult Error(string message) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = message }],
    };
}
