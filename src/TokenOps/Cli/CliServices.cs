using TokenOps.Configuration;
using TokenOps.Daemon;
using TokenOps.Insights;

namespace TokenOps.Cli;

/// <summary>
/// What report commands are constructed with (ConsoleAppFramework resolves constructor parameters through
/// <see cref="ConsoleAppFramework.ConsoleApp.ServiceProvider"/>): the merged config (defaults &lt; file &lt; TOKENOPS_*
/// env) and the Insights options built from it — built lazily, only when a command needs them, so `version` or
/// `--help` never read config. A bad config ends the process with exit code 2 and the message, never a stack trace.
/// </summary>
internal sealed class CliServices : IServiceProvider
{
    private TokenOpsConfig? _config;
    private InsightsOptions? _insights;

    public object? GetService(Type serviceType)
    {
        if (serviceType == typeof(TokenOpsConfig))
        {
            return Config();
        }

        if (serviceType == typeof(InsightsOptions))
        {
            return _insights ??= Guard(() => InsightsComposition.Create(Config()));
        }

        return null;
    }

    private TokenOpsConfig Config() => _config ??= Guard(() => ConfigLoader.Load(new ConfigSources
    {
        Environment = ConfigSources.ProcessEnvironment(),
        ConfigPath = Environment.GetEnvironmentVariable("TOKENOPS_CONFIG"),
        Flags = [],
        AllowRemote = true,
    }));

    private static T Guard<T>(Func<T> create)
    {
        try
        {
            return create();
        }
        catch (ConfigException ex)
        {
            Console.Error.WriteLine("tokenops: " + ex.Message);
            Environment.Exit(CliExitCodes.Usage);
            throw;
        }
    }
}
