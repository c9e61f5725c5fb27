namespace TokenOps.Cli;

/// <summary>
/// The first word of every command. A test checks this list against the <c>[Command]</c> methods,
/// so a new command group cannot be forgotten here.
/// </summary>
internal static class CommandCatalog
{
    public static readonly string[] Names = ["start", "status", "version", "config", "events", "spend", "forecast", "budget", "pricing", "demo", "cache", "replay", "workflows", "trace", "waste", "coach", "serve", "dashboard", "latency"];

    /// <summary>The first argument when it is neither an option nor a known command, else null.</summary>
    public static string? FindUnknownCommand(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            return null;
        }

        return Array.IndexOf(Names, args[0]) >= 0 ? null : args[0];
    }
}

/// <summary>Exit codes shared by every command.</summary>
internal static class CliExitCodes
{
    public const int Ok = 0;

    /// <summary>The command failed (daemon not running, cannot listen...).</summary>
    public const int Failure = 1;

    /// <summary>Bad configuration or bad usage (the message says what to fix).</summary>
    public const int Usage = 2;
}
