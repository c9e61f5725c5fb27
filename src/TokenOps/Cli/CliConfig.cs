using TokenOps.Configuration;

namespace TokenOps.Cli;

/// <summary>Loads the merged config for a command and turns config errors into one clear line + exit code 2.</summary>
internal static class CliConfig
{
    public static TokenOpsConfig? TryLoad(string? configPath, IReadOnlyList<ConfigFlag> flags, bool allowRemote, out int exitCode)
    {
        try
        {
            exitCode = CliExitCodes.Ok;
            return ConfigLoader.Load(new ConfigSources
            {
                Environment = ConfigSources.ProcessEnvironment(),
                ConfigPath = configPath,
                Flags = flags,
                AllowRemote = allowRemote,
            });
        }
        catch (ConfigException ex)
        {
            Console.Error.WriteLine("tokenops: " + ex.Message);
            exitCode = CliExitCodes.Usage;
            return null;
        }
    }

    public static void AddIfSet(List<ConfigFlag> flags, string key, string? value, string flag)
    {
        if (value is not null)
        {
            flags.Add(new ConfigFlag(key, value, flag));
        }
    }
}
