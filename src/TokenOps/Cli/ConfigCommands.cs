using ConsoleAppFramework;
using TokenOps.Configuration;

namespace TokenOps.Cli;

internal sealed class ConfigCommands
{
    /// <summary>Print the merged configuration (defaults, config file, TOKENOPS_* environment) as JSON, secrets masked.</summary>
    /// <param name="config">Config file to read (default: $TOKENOPS_HOME/config.json, TOKENOPS_HOME defaults to ~/.tokenops).</param>
    [Command("show")]
    public int Show(string? config = null)
    {
        // Showing is not listening: a non-loopback `listen` is reported by `start`, not here.
        var merged = CliConfig.TryLoad(config, [], allowRemote: true, out var exitCode);
        if (merged is null)
        {
            return exitCode;
        }

        Console.Out.WriteLine(ConfigWriter.ToJson(merged));
        Console.Error.WriteLine(merged.ConfigFile is null
            ? $"(no config file at {Path.Join(merged.Home, ConfigLoader.FileName)}: embedded defaults)"
            : $"(config file: {merged.ConfigFile})");
        return CliExitCodes.Ok;
    }
}
