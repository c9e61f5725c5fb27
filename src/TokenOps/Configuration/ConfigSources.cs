using System.Collections;

namespace TokenOps.Configuration;

/// <summary>A value given on the command line for a config key, e.g. <c>--listen</c> → <c>listen</c>.</summary>
internal readonly record struct ConfigFlag(string Key, string Value, string Flag);

/// <summary>Everything the loader reads besides the config file itself.</summary>
internal sealed record ConfigSources
{
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The <c>--config</c> flag: an explicit file that must exist.</summary>
    public string? ConfigPath { get; init; }

    public IReadOnlyList<ConfigFlag> Flags { get; init; } = [];

    /// <summary>The <c>--allow-remote</c> flag: permit a non-loopback <c>listen</c>.</summary>
    public bool AllowRemote { get; init; }

    /// <summary>The TOKENOPS_* and HOME variables of this process.</summary>
    public static IReadOnlyDictionary<string, string> ProcessEnvironment()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && entry.Value is string value && key.StartsWith("TOKENOPS_", StringComparison.Ordinal))
            {
                result[key] = value;
            }
        }

        return result;
    }
}
