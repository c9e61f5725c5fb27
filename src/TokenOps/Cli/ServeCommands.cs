using System.Globalization;
using ConsoleAppFramework;
using Microsoft.Extensions.Logging;
using TokenOps.Configuration;
using TokenOps.Daemon;
using TokenOps.Insights;
using TokenOps.Logging;
using TokenOps.Mcp;

namespace TokenOps.Cli;

/// <summary>
/// <c>tokenops serve</c>: the MCP server over stdio for agents (Claude Desktop, Claude Code, Cursor…). It reads the
/// store directly, so it works whether or not the daemon runs; stdout carries only protocol messages, logs go to stderr.
/// </summary>
internal sealed class ServeCommands(TokenOpsConfig config, InsightsOptions insights)
{
    /// <summary>Serve the Model Context Protocol over stdio (tools: tokenops_spend_summary, tokenops_count_tokens, …).</summary>
    [Command("serve")]
    public async Task<int> Serve(CancellationToken cancellationToken = default)
    {
        using var loggerFactory = LoggerFactory.Create(logging => TokenOpsLogging.Configure(logging, config.Log with { Level = config.Log.Level < LogLevel.Warning ? LogLevel.Warning : config.Log.Level }));
        var address = config.ListenAddress;
        var context = new McpToolContext
        {
            Version = BuildInfo.Version,
            StorePath = config.Storage.Path,
            StoreEnabled = config.Storage.Enabled,
            DaemonUrl = $"http://{address.ClientHost}:{address.Port.ToString(CultureInfo.InvariantCulture)}",
            Insights = insights,
            Optimizer = DaemonHost.CreateOptimizerOptions(config),
        };

        try
        {
            await McpServerHost.RunStdioAsync(context, loggerFactory, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // SIGINT/SIGTERM or stdin closed: a normal end.
        }

        return CliExitCodes.Ok;
    }
}
