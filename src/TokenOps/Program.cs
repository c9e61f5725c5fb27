using ConsoleAppFramework;
using TokenOps.Cli;
using TokenOps.Daemon;

namespace TokenOps;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        ConsoleApp.Version = BuildInfo.Describe();

        // ConsoleAppFramework abandons a command this long after SIGINT/SIGTERM; give `start` its whole
        // graceful-shutdown deadline first.
        ConsoleApp.Timeout = DaemonHost.DefaultShutdownTimeout + TimeSpan.FromSeconds(5);

        ConsoleApp.ServiceProvider = new CliServices();
        var app = ConsoleApp.Create();
        app.Add<DaemonCommands>();
        app.Add<VersionCommands>();
        app.Add<ConfigCommands>("config");
        app.Add<EventsCommands>();
        app.Add<SpendCommands>();
        app.Add<CacheCommands>();
        app.Add<ReplayCommands>();
        app.Add<WasteCommands>();
        app.Add<ServeCommands>();
        app.Add<DashboardCommands>();
        app.Add<LatencyCommands>();

        // ConsoleAppFramework answers an unknown command with help and exit code 0; scripts deserve a failure.
        if (CommandCatalog.FindUnknownCommand(args) is { } unknown)
        {
            await Console.Error.WriteLineAsync($"tokenops: unknown command \"{unknown}\" (see the list of commands below)");
            await app.RunAsync(["--help"]);
            return CliExitCodes.Usage;
        }

        await app.RunAsync(args);
        return Environment.ExitCode;
    }
}
