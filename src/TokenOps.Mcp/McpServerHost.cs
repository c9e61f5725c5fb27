using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace TokenOps.Mcp;

/// <summary>
/// <c>tokenops serve</c>: the Model Context Protocol over stdio, on the official C# SDK
/// (ModelContextProtocol.Core). We register low-level list/call handlers with hand-written JSON schemas
/// instead of the SDK's reflection-based tool binding, so it stays Native-AOT clean and every tool's
/// output is exactly the Insights record the CLI prints with --json.
/// stdout carries only protocol messages; logs go to stderr through the given logger factory.
/// </summary>
public static class McpServerHost
{
    public static async Task RunStdioAsync(McpToolContext context, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var catalog = new McpToolCatalog(context);
        var options = CreateOptions(catalog, context.Version);
        await using var transport = new StdioServerTransport("tokenops", loggerFactory);
        await using var server = McpServer.Create(transport, options, loggerFactory);
        await server.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    internal static McpServerOptions CreateOptions(McpToolCatalog catalog, string version)
    {
        var options = new McpServerOptions
        {
            ServerInfo = new Implementation { Name = "tokenops", Title = "TokenOps", Version = version },
            ServerInstructions = "TokenOps meters every LLM request that passes through the local proxy. Use tokenops_* tools to answer questions about token usage, spend, forecasts, budgets and waste, and to count or optimize prompts before sending them.",
            Capabilities = new ServerCapabilities { Tools = new ToolsCapability() },
        };
        options.Handlers.ListToolsHandler = (request, ct) => ValueTask.FromResult(catalog.List());
        options.Handlers.CallToolHandler = (request, ct) => catalog.CallAsync(request.Params, ct);
        return options;
    }
}
